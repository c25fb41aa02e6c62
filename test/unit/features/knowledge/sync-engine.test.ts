import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { KnowledgeProvider, SourceChanges, SourceDocument } from '../../../../src/features/knowledge/contracts.js';
import { SyncEngine, type SyncSource, statusMessage } from '../../../../src/features/knowledge/sync/engine.js';
import { MemorySourceLock } from '../../../../src/features/knowledge/sync/lock.js';
import { MemorySyncStatusStore } from '../../../../src/features/knowledge/sync/status.js';
import { MemoryKnowledgeIndex } from '../../../support/memory-knowledge-index.js';

const doc = (id: string, version = '1', text = `about ${id}`): SourceDocument => ({ id, title: id, text, version });

/** A provider that serves a list of documents and diffs it against `known` like a real one; or fails when told. */
class ListProvider implements KnowledgeProvider {
  readonly kind = 'folder' as const;
  docs: SourceDocument[] = [];
  failWith?: Error;
  calls: Array<ReadonlyMap<string, string>> = [];
  /** Resolves the current changes() call when set (a sync held in the middle). */
  hold?: Promise<void>;
  /** Called as changes() starts (the sync has reached the provider). */
  entered?: () => void;
  constructor(readonly name: string) {}

  async changes(known: ReadonlyMap<string, string>): Promise<SourceChanges> {
    this.calls.push(known);
    this.entered?.();
    await this.hold;
    if (this.failWith) throw this.failWith;
    const present = new Set(this.docs.map((d) => d.id));
    return {
      upserts: this.docs.filter((d) => known.get(d.id) !== d.version),
      deletes: [...known.keys()].filter((id) => !present.has(id)),
    };
  }
}

function setup(sources: Array<{ provider: KnowledgeProvider; everyMs?: number }>, secrets: string[] = []) {
  const index = new MemoryKnowledgeIndex();
  const statuses = new MemorySyncStatusStore();
  let now = 1_000_000;
  const list: SyncSource[] = sources.map((s) => ({ provider: s.provider, everyMs: s.everyMs ?? 60_000 }));
  const engine = new SyncEngine({
    index,
    statuses,
    lock: new MemorySourceLock(),
    sources: () => list,
    secrets,
    log: pino({ level: 'silent' }),
    now: () => now,
  });
  return { engine, index, statuses, advance: (ms: number) => (now += ms) };
}

describe('knowledge sync engine', () => {
  it('feeds a source’s documents to the index, then only what changed, and records the counts', async () => {
    const handbook = new ListProvider('handbook');
    handbook.docs = [doc('a'), doc('b')];
    const { engine, index, statuses } = setup([{ provider: handbook }]);

    expect(await engine.sync('handbook')).toMatchObject({ result: 'synced', upserted: 2, deleted: 0, documents: 2 });
    handbook.docs = [doc('a', '2', 'a rewritten'), doc('c')];
    expect(await engine.sync('handbook')).toMatchObject({ result: 'synced', upserted: 2, deleted: 1, documents: 2 });

    expect(handbook.calls[1]).toEqual(
      new Map([
        ['a', '1'],
        ['b', '1'],
      ]),
    );
    expect(index.applied[1]!.changes.upserts.map((d) => d.id)).toEqual(['a', 'c']);
    expect([...index.documents('handbook').keys()].sort()).toEqual(['a', 'c']);
    expect(await statuses.get('handbook')).toMatchObject({ documents: 2, upserted: 2, deleted: 1, problemCount: 0 });
    expect((await statuses.get('handbook'))?.lastError).toBeUndefined();
  });

  it('a failing source applies nothing, keeps its last good index and records the error; other sources sync', async () => {
    const wiki = new ListProvider('wiki');
    const site = new ListProvider('site');
    wiki.docs = [doc('w1'), doc('w2')];
    site.docs = [doc('s1')];
    const { engine, index, statuses, advance } = setup([{ provider: wiki }, { provider: site }]);
    await engine.syncDue();

    wiki.docs = [];
    wiki.failWith = new Error('Confluence answered HTTP 503');
    site.docs = [doc('s1'), doc('s2')];
    advance(60_000);
    const outcomes = await engine.syncDue();

    expect(outcomes).toEqual([
      { source: 'wiki', result: 'failed', error: 'Confluence answered HTTP 503' },
      expect.objectContaining({ source: 'site', result: 'synced', upserted: 1 }),
    ]);
    expect([...index.documents('wiki').keys()]).toEqual(['w1', 'w2']);
    expect((await index.search('w1', { limit: 5 })).map((p) => p.documentId)).toEqual(['w1']);
    const status = await statuses.get('wiki');
    expect(status).toMatchObject({ documents: 2, lastError: 'Confluence answered HTTP 503', lastAttemptAt: 1_060_000 });
    expect(status?.lastSuccessAt).toBe(1_000_000);

    wiki.failWith = undefined;
    wiki.docs = [doc('w1'), doc('w2')];
    advance(60_000);
    await engine.syncDue();
    expect((await statuses.get('wiki'))?.lastError).toBeUndefined();
  });

  it('syncs a source only when its own interval has passed since its last attempt', async () => {
    const often = new ListProvider('often');
    const rarely = new ListProvider('rarely');
    const { engine, advance } = setup([
      { provider: often, everyMs: 5 * 60_000 },
      { provider: rarely, everyMs: 60 * 60_000 },
    ]);
    const synced = async () => (await engine.syncDue()).map((o) => o.source);

    expect(await synced()).toEqual(['often', 'rarely']);
    advance(4 * 60_000);
    expect(await synced()).toEqual([]);
    advance(60_000);
    expect(await synced()).toEqual(['often']);
    advance(55 * 60_000);
    expect(await synced()).toEqual(['often', 'rarely']);
  });

  it('a second sync of a source while one runs is refused as busy, and the first one completes', async () => {
    const slow = new ListProvider('slow');
    slow.docs = [doc('x')];
    let release!: () => void;
    slow.hold = new Promise((r) => {
      release = r;
    });
    const { engine } = setup([{ provider: slow }]);

    const first = engine.sync('slow');
    expect(await engine.sync('slow')).toEqual({ source: 'slow', result: 'busy' });
    release();
    expect(await first).toMatchObject({ result: 'synced', upserted: 1 });
  });

  it('documents the provider could not read are kept in the status, and are neither upserted nor deleted', async () => {
    const folder: KnowledgeProvider = {
      name: 'docs',
      kind: 'folder',
      changes: async () => ({
        upserts: [doc('ok.md')],
        deletes: [],
        problems: Array.from({ length: 25 }, (_, i) => ({
          id: `scan-${i}.pdf`,
          message: 'the PDF has no text layer (a scan?)',
        })),
      }),
    };
    const { engine, statuses } = setup([{ provider: folder }]);
    const outcome = await engine.sync('docs');
    expect(outcome).toMatchObject({ result: 'synced', upserted: 1, problemCount: 25 });
    const status = await statuses.get('docs');
    expect(status?.problemCount).toBe(25);
    expect(status?.problems).toHaveLength(20);
    expect(status?.problems[0]).toEqual({ id: 'scan-0.pdf', message: 'the PDF has no text layer (a scan?)' });
  });

  it('a deleted id the index never held is not passed on, and an unknown source name syncs nothing', async () => {
    const odd: KnowledgeProvider = {
      name: 'odd',
      kind: 'website',
      changes: async () => ({ upserts: [], deletes: ['never-held'] }),
    };
    const { engine, index } = setup([{ provider: odd }]);
    expect(await engine.sync('odd')).toMatchObject({ result: 'synced', deleted: 0 });
    expect(index.applied[0]!.changes.deletes).toEqual([]);
    expect(await engine.sync('nope')).toBeUndefined();
  });

  it('an error naming a secret, URL credentials or a query string reaches the status without them', async () => {
    const token = ['zd', 'tok', 'A1b2C3d4E5f6'].join('-');
    const leaky = new ListProvider('leaky');
    leaky.failWith = new Error(
      `GET https://bot:hunter22@help.example.com/api/articles?access_token=${token}&page=2 failed: bad token ${token}`,
    );
    const { engine, statuses } = setup([{ provider: leaky }], [token]);
    await engine.sync('leaky');
    const error = (await statuses.get('leaky'))?.lastError ?? '';
    expect(error).toBe('GET https://help.example.com/api/articles failed: bad token [REDACTED]');
    expect(error).not.toContain('hunter22');
    expect(statusMessage(new Error('x'.repeat(400)), [])).toHaveLength(300);
  });

  it('a sync stopped by a shutdown applies nothing and leaves the status as it was, so it is due again', async () => {
    const slow = new ListProvider('slow');
    slow.docs = [doc('x')];
    let release!: () => void;
    slow.hold = new Promise((r) => {
      release = r;
    });
    const { engine, index, statuses } = setup([{ provider: slow }]);
    const entered = new Promise<void>((r) => {
      slow.entered = r;
    });
    const running = engine.sync('slow');
    await entered;
    engine.close();
    release();
    expect(await running).toEqual({ source: 'slow', result: 'failed', error: 'Threadwise is shutting down' });
    expect(index.applied).toEqual([]);
    expect(await statuses.get('slow')).toBeUndefined();
  });
});
