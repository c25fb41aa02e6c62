import type { Logger } from 'pino';
import { scrubSecrets } from '../../../platform/observability/logger.js';
import type { KnowledgeIndex, KnowledgeProvider, SourceProblem } from '../contracts.js';
import type { SourceLock } from './lock.js';
import { MAX_PROBLEMS, type SyncStatus, type SyncStatusStore } from './status.js';

/** A configured source and how often it is synced. */
export interface SyncSource {
  provider: KnowledgeProvider;
  everyMs: number;
}

export type SyncOutcome =
  | {
      source: string;
      result: 'synced';
      upserted: number;
      deleted: number;
      documents: number;
      problems: SourceProblem[];
      problemCount: number;
    }
  | { source: string; result: 'failed'; error: string }
  /** Another sync of this source is running (here or on another replica). */
  | { source: string; result: 'busy' };

export interface SyncEngineDeps {
  index: KnowledgeIndex;
  statuses: SyncStatusStore;
  lock: SourceLock;
  /** The sources as the settings name them now (the file reloads). */
  sources: () => SyncSource[];
  /** Values that must never reach a status (tokens of the sources' APIs among them). */
  secrets: readonly string[];
  log: Logger;
  now?: () => number;
  /** Longest a sync of one source may take before it is stopped as failed (default 30 minutes). */
  timeoutMs?: number;
  /** How long the lock lasts without renewal (a replica that dies mid-sync frees it after this; default 2 minutes). */
  lockTtlMs?: number;
}

const MESSAGE_CHARS = 300;

/**
 * A provider's error as the status shows it: no secret, no credentials or query string in a URL (where tokens hide),
 * one short line.
 */
export function statusMessage(err: unknown, secrets: readonly string[]): string {
  const raw = err instanceof Error ? err.message : String(err);
  const text = scrubSecrets(raw, secrets)
    .replace(/\b(https?:\/\/)[^\s/@]+@/g, '$1')
    .replace(/\b(https?:\/\/[^\s?#]+)\?[^\s]*/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > MESSAGE_CHARS ? `${text.slice(0, MESSAGE_CHARS - 1)}…` : text || 'failed without a reason';
}

/**
 * Syncs sources into the one index: `provider.changes(known)` then `index.apply`, one sync per source at a time
 * across replicas. A failed sync applies nothing (no partial deletes), so the source's last good index keeps
 * serving, and records why in the source's status; it never throws.
 */
export class SyncEngine {
  private readonly running = new Set<AbortController>();
  private closing = false;

  constructor(private readonly deps: SyncEngineDeps) {}

  /** The configured source names, in settings order. */
  names(): string[] {
    return this.deps.sources().map((s) => s.provider.name);
  }

  /** Syncs one source now; undefined when no source has that name. */
  async sync(name: string): Promise<SyncOutcome | undefined> {
    const source = this.deps.sources().find((s) => s.provider.name === name);
    return source ? this.run(source.provider) : undefined;
  }

  /** Syncs every source whose interval has passed since its last attempt (the scheduled tick). */
  async syncDue(): Promise<SyncOutcome[]> {
    const now = (this.deps.now ?? Date.now)();
    let statuses: Record<string, SyncStatus>;
    try {
      statuses = await this.deps.statuses.all();
    } catch (err) {
      this.deps.log.warn({ err: { message: (err as Error).message } }, 'knowledge sync statuses unreadable; next tick');
      return [];
    }
    const due = this.deps
      .sources()
      .filter((s) => (statuses[s.provider.name]?.lastAttemptAt ?? Number.NEGATIVE_INFINITY) + s.everyMs <= now);
    this.deps.log.debug({ due: due.map((s) => s.provider.name) }, 'knowledge sync tick');
    return Promise.all(due.map((s) => this.run(s.provider)));
  }

  /** Stops running syncs (shutdown): nothing is applied after the stop, and no status records it as a failure. */
  close(): void {
    this.closing = true;
    for (const c of this.running) c.abort(new Error('Threadwise is shutting down'));
  }

  private async run(provider: KnowledgeProvider): Promise<SyncOutcome> {
    const { deps } = this;
    const name = provider.name;
    const now = deps.now ?? Date.now;
    const log = deps.log.child({ source: name, kind: provider.kind });
    const ttl = deps.lockTtlMs ?? 120_000;
    let lock: Awaited<ReturnType<SourceLock['acquire']>>;
    try {
      lock = await deps.lock.acquire(name, ttl);
    } catch (err) {
      return this.failed(name, err, now(), log);
    }
    if (!lock) {
      log.debug('knowledge source already syncing elsewhere');
      return { source: name, result: 'busy' };
    }
    const controller = new AbortController();
    this.running.add(controller);
    const timeout = setTimeout(
      () =>
        controller.abort(
          new Error(`the sync took longer than ${Math.round((deps.timeoutMs ?? 1_800_000) / 60_000)} minutes`),
        ),
      deps.timeoutMs ?? 1_800_000,
    );
    const held = lock;
    const renewal = setInterval(() => {
      held.renew().then(
        (ours) => {
          // Another replica may be syncing this source now: stop before applying anything.
          if (!ours) controller.abort(new Error('the sync lock lapsed (this replica stalled)'));
        },
        (err: Error) => log.warn({ err: { message: err.message } }, 'could not renew the knowledge sync lock'),
      );
    }, ttl / 3);
    const startedAt = now();
    try {
      log.info('knowledge sync started');
      const known = await deps.index.known(name);
      const changes = await provider.changes(known, controller.signal);
      controller.signal.throwIfAborted();
      const knownIds = new Set(known.keys());
      const deletes = changes.deletes.filter((id) => knownIds.has(id));
      await deps.index.apply(name, { upserts: changes.upserts, deletes });
      const documents = (await deps.index.known(name)).size;
      const all = (changes.problems ?? []).map((p) => ({ id: p.id, message: statusMessage(p.message, deps.secrets) }));
      const problems = all.slice(0, MAX_PROBLEMS);
      const outcome = {
        source: name,
        result: 'synced' as const,
        upserted: changes.upserts.length,
        deleted: deletes.length,
        documents,
        problems,
        problemCount: all.length,
      };
      await this.record(name, log, {
        lastAttemptAt: startedAt,
        lastSuccessAt: now(),
        documents,
        upserted: outcome.upserted,
        deleted: outcome.deleted,
        problems,
        problemCount: all.length,
        durationMs: now() - startedAt,
      });
      log.info(
        {
          upserted: outcome.upserted,
          deleted: outcome.deleted,
          documents,
          problems: all.length,
          ms: now() - startedAt,
        },
        'knowledge sync finished',
      );
      if (all.length) log.warn({ problems }, 'knowledge source has documents that could not be read');
      return outcome;
    } catch (err) {
      const why = controller.signal.aborted ? controller.signal.reason : err;
      // Stopped by a shutdown, the source did not fail: its status stays as it was, so the sync is due again.
      if (this.closing) return { source: name, result: 'failed', error: statusMessage(why, deps.secrets) };
      return this.failed(name, why, startedAt, log);
    } finally {
      clearTimeout(timeout);
      clearInterval(renewal);
      this.running.delete(controller);
      await held.release().catch((err: Error) => log.warn({ err: { message: err.message } }, 'lock release failed'));
    }
  }

  private async failed(name: string, err: unknown, startedAt: number, log: Logger): Promise<SyncOutcome> {
    const error = statusMessage(err, this.deps.secrets);
    log.warn({ error }, 'knowledge sync failed; the last good index keeps serving');
    const previous = await this.deps.statuses.get(name).catch(() => undefined);
    await this.record(name, log, {
      documents: 0,
      upserted: 0,
      deleted: 0,
      problems: [],
      problemCount: 0,
      ...previous,
      lastAttemptAt: startedAt,
      lastError: error,
      durationMs: (this.deps.now ?? Date.now)() - startedAt,
    });
    return { source: name, result: 'failed', error };
  }

  private async record(name: string, log: Logger, status: SyncStatus): Promise<void> {
    // A status that cannot be written only costs the display: the sync itself stands.
    await this.deps.statuses
      .put(name, status)
      .catch((err: Error) => log.warn({ err: { message: err.message } }, 'could not record the knowledge sync status'));
  }
}
