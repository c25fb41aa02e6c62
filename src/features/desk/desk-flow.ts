import type { Logger } from 'pino';
import { z } from 'zod';
import type { DeskConfig, FileConfig } from '../../config/file-schema.js';
import type { SettingsSource } from '../../config/live-settings.js';
import { channelSettings } from '../../config/settings.js';
import { hashId } from '../../lib/hash.js';
import type { DelayedJobs } from '../../platform/queue/delayed-jobs.js';
import type { TurnJob } from '../../platform/queue/types.js';
import { readThread } from '../../platform/slack/thread-reader.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import type { AuditEntry } from '../../platform/store/audit-log.js';
import type { UserStateStore } from '../../platform/store/user-state.js';
import { NO_USAGE, type QuotaPort, type Source } from '../../turn/ports.js';
import type { ThreadKey } from '../../turn/thread.js';
import type { AnswerRunner } from '../answering/process-turn.js';
import type { KnowledgeGaps } from '../knowledge/contracts.js';
import type { ConversationTools } from '../tools/sessions.js';
import { candidateContext, findCandidates } from './candidates.js';
import { deskButtons, ESCALATION_MARK, escalationText, HANDOFF_MARK, handoffText } from './desk-blocks.js';
import type { DeskMetrics } from './desk-metrics.js';
import type { DeskCount, DeskStatsStore } from './desk-stats.js';
import type { DeskState, DeskStore } from './desk-store.js';
import { type Candidate, type DeskGate, type GateOutcome, gatePrompt } from './gate.js';

/** The desk settings of a channel, when it has a desk. */
export const deskOf = (file: FileConfig, channel: string): DeskConfig | undefined => file.channels[channel]?.desk;

/** An SLA timer as stored in Redis. */
export const slaJobSchema = z.object({
  teamId: z.string(),
  channel: z.string(),
  threadTs: z.string(),
  clockFrom: z.number(),
  level: z.union([z.literal(1), z.literal(2)]),
});
export type SlaJob = z.infer<typeof slaJobSchema>;

const slaId = (k: ThreadKey, clockFrom: number, level: 1 | 2) =>
  `sla:${k.teamId}:${k.channel}:${k.threadTs}:${clockFrom}:${level}`;

export interface DeskDeps {
  /** Read per question: a reloaded file or an admin's change applies to the next one. */
  settings: SettingsSource;
  /** Hand-offs are actions taken on someone's behalf: each one is an audit record. */
  audit: { record(entry: Omit<AuditEntry, 'at'>): Promise<void> };
  /** On-call as Slack can mention them: @handles resolved to group or user ids. */
  oncall: (teamId: string, refs: readonly string[]) => Promise<string[]>;
  envModel: string;
  workspaces: SlackWorkspaces;
  /** The asker's language: the desk's buttons, notes, hand-off and escalations are replies in their thread. */
  languages: Pick<UserLanguages, 'of'>;
  store: DeskStore;
  stats: DeskStatsStore;
  userState: UserStateStore;
  metrics: DeskMetrics;
  timers: () => DelayedJobs<SlaJob>;
  gate: DeskGate;
  /** Quotas the gate's calls count against (the asker's, the workspace's); absent: not counted. */
  quota?: QuotaPort;
  answer: AnswerRunner;
  tools?: ConversationTools;
  threadTtlSeconds: number;
  /** Questions the sources could not answer, for the weekly gaps digest; absent: not recorded. */
  gaps?: KnowledgeGaps;
  log: Logger;
  now?: () => number;
}

/** A person's change, or the bot's. */
export interface Actor {
  by: string;
  actor: 'bot' | 'person';
}

const hour = (at: number) => new Date(at).toISOString().slice(0, 13);
const WHILE_OPEN: DeskState[] = ['open', 'answered', 'waiting_for_human', 'with_human'];

/** Everything the help desk does to a thread: decide on a question, hand off, take over, escalate, resolve. */
export class Desk {
  constructor(private readonly d: DeskDeps) {}

  private now(): number {
    return this.d.now?.() ?? Date.now();
  }

  private async count(k: ThreadKey, what: DeskCount, at = this.now()): Promise<void> {
    this.d.metrics.count(what);
    await this.d.stats
      .count(k.teamId, k.channel, at, what)
      .catch((err: Error) => this.d.log.warn({ err: { message: err.message }, what }, 'desk count not recorded'));
  }

  /** A new top-level question: its state is opened before the job is queued, so a fast human reply finds it. */
  async open(job: TurnJob): Promise<boolean> {
    const at = job.receivedAt;
    const opened = await this.d.store.open(
      job.key,
      { asker: job.userId, question: job.text, at },
      this.d.threadTtlSeconds,
    );
    if (opened) {
      // Indexed like any question the person asked, so forget-me finds it.
      await this.d.userState.noteThread(job.key, job.userId, at, this.d.threadTtlSeconds);
      await this.d.store.noteLatest(
        job.key.teamId,
        job.key.channel,
        job.userId,
        job.key.threadTs,
        this.d.threadTtlSeconds,
      );
      await this.count(job.key, 'questions', at);
    }
    return opened;
  }

  /**
   * The queued question: find what could be cited, judge with log-probabilities, then answer (confident, with a
   * source, within the channel's rate, nobody was first) or stay quiet with 👀 and start the SLA clock.
   */
  async decide(job: TurnJob): Promise<void> {
    const { key } = job;
    const log = this.d.log.child({ turn: job.id, desk: { channel: key.channel, thread_ts: key.threadTs } });
    const cfg = deskOf(this.d.settings.current(), key.channel);
    const thread = await this.d.store.get(key);
    if (!cfg || !thread) return log.warn('desk question without a desk or its state; nothing to do');
    if (thread.state !== 'open') return log.info({ state: thread.state }, 'desk question already taken care of');
    const workspace = await this.d.workspaces.forTeam(key.teamId);
    const profile = await workspace.lookups.userProfile(job.userId);
    const ctx = {
      ...key,
      isDm: false,
      user: { id: job.userId, name: profile?.name ?? job.userId, ...(profile?.email ? { email: profile.email } : {}) },
    };
    const solved = await this.d.store.solved(key.teamId, key.channel).catch(() => []);
    // The asker's language: the sources under the answer, its buttons and the note a hand-off quotes are theirs.
    const t = await this.d.languages.of(key.teamId, job.userId);
    const candidates = await findCandidates(this.d.tools, ctx, job.text, solved, t, log.child({ component: 'tools' }));
    const settings = channelSettings(this.d.settings.current(), this.d.envModel, key.channel, false);
    const judged =
      candidates.length && cfg.auto_answer
        ? await this.judge(job, settings.model, candidates)
        : { confidence: undefined, problem: 'no source to cite was found' };
    const confidence = judged.confidence;
    const sure = confidence !== undefined && confidence >= cfg.min_confidence;
    const why = !cfg.auto_answer
      ? 'auto_answer is off'
      : !candidates.length
        ? 'no source to cite'
        : !sure
          ? (judged.problem ?? `confidence ${confidence?.toFixed(2)} is below ${cfg.min_confidence}`)
          : (await this.personWasFirst(key, thread.asker))
            ? 'a person answered first'
            : !(await this.d.store.takeAnswer(key.teamId, key.channel, hour(this.now()), cfg.auto_answers_per_hour))
              ? `the channel reached auto_answers_per_hour (${cfg.auto_answers_per_hour})`
              : undefined;
    log.info(
      { confidence, min_confidence: cfg.min_confidence, sources: candidates.length, answer: !why, reason: why },
      'desk judgement',
    );
    if (!why) {
      const sources: Source[] = candidates.map(({ title, url, cue }) => ({
        title,
        ...(url ? { url } : {}),
        ...(cue ? { cue } : {}),
      }));
      const result = await this.d.answer(job, {
        context: candidateContext(candidates),
        sources,
        blocks: deskButtons(t),
      });
      // No result: an earlier attempt of this job (a replica that died after answering) already completed it.
      if (!result || result.outcome === 'answered') {
        const left = await this.d.store.move(
          key,
          ['open'],
          { state: 'answered', at: this.now(), ...BOT },
          this.d.threadTtlSeconds,
        );
        if (left) await this.count(key, 'answered');
        // Noted in the asker's language: a later hand-off quotes it in their thread.
        await this.d.store.note(
          key,
          'tried',
          t.t('desk.tried_answered', { sources: t.list(sources.map((s) => s.title)) }),
        );
        log.info({ moved: Boolean(left) }, 'desk thread answered');
        return;
      }
      log.warn({ outcome: result?.outcome }, 'the desk answer was not shown; waiting for a person instead');
    }
    await this.d.store.note(
      key,
      'tried',
      !cfg.auto_answer
        ? t.t('desk.tried_auto_off')
        : candidates.length
          ? t.t('desk.tried_unsure', { count: candidates.length })
          : t.t('desk.tried_nothing'),
    );
    await this.stayQuiet(job, cfg);
  }

  /** The gate's call, admitted by the asker's quotas like every model call and settled with what it used. */
  private async judge(job: TurnJob, model: string, candidates: Candidate[]): Promise<GateOutcome> {
    const { key } = job;
    const admission = await this.d.quota
      ?.account({ teamId: key.teamId, channel: key.channel, userId: job.userId, turnId: `desk-gate:${job.id}` })
      .admit({ model, inputTokens: Math.ceil(gatePrompt(job.text, candidates).length / 4), maxOutputTokens: 16 });
    if (admission && !admission.ok)
      return { confidence: undefined, problem: `a quota is reached (${admission.limit})` };
    const outcome = await this.d.gate({
      model,
      question: job.text,
      candidates,
      safetyIdentifier: hashId('user', key.teamId, job.userId),
    });
    await admission?.settle(outcome.model ?? model, outcome.usage ?? NO_USAGE);
    return outcome;
  }

  /** Not answering: a 👀 on the question (Slack's way of saying "seen"), the topic noted, the SLA clock started. */
  private async stayQuiet(job: TurnJob, cfg: DeskConfig): Promise<void> {
    const { key } = job;
    // A person already has it (they replied while the bot was deciding): nothing to flag, no clock to start.
    const thread = await this.d.store.get(key);
    if (thread?.state !== 'open')
      return this.d.log.info(
        { channel: key.channel, thread_ts: key.threadTs, state: thread?.state },
        'desk question left to the person who has it',
      );
    const { client } = await this.d.workspaces.forTeam(key.teamId);
    try {
      await client.reactions.add({ channel: key.channel, timestamp: key.threadTs, name: 'eyes' });
    } catch (err) {
      const e = err as { data?: { error?: string }; message: string };
      this.d.log.info({ error: e.data?.error ?? e.message }, 'could not add the 👀 reaction');
    }
    await this.d.stats.unanswered(key.teamId, key.channel, job.receivedAt, job.text).catch(() => undefined);
    // Left to people: the sources did not settle it, which is what the weekly gaps digest is about.
    await this.gap(key, thread.question, thread.asker, job.receivedAt);
    await this.startClock(key, thread.clockFrom, cfg);
  }

  private async gap(key: ThreadKey, question: string, askedBy: string, at: number): Promise<void> {
    await this.d.gaps
      ?.record({ question, channel: key.channel, threadTs: key.threadTs, reason: 'handoff', at, askedBy })
      .catch((err: Error) => this.d.log.warn({ err: { message: err.message } }, 'knowledge gap not recorded'));
  }

  private async startClock(key: ThreadKey, from: number, cfg: DeskConfig): Promise<void> {
    const ms = cfg.sla_minutes * 60_000;
    const timers = this.d.timers();
    for (const level of [1, 2] as const)
      await timers.schedule(slaId(key, from, level), from + ms * level, { ...key, clockFrom: from, level });
    this.d.log.info({ channel: key.channel, thread_ts: key.threadTs, due_in_ms: ms }, 'desk SLA clock started');
  }

  private async stopClock(key: ThreadKey, from: number): Promise<void> {
    const timers = this.d.timers();
    for (const level of [1, 2] as const) await timers.cancel(slaId(key, from, level));
  }

  /** Whether someone other than the asker (a person, not a bot) already replied in the thread. */
  private async personWasFirst(key: ThreadKey, asker: string): Promise<boolean> {
    const state = await this.d.store.get(key);
    if (state && state.state !== 'open') return true;
    const workspace = await this.d.workspaces.forTeam(key.teamId);
    const messages = await readThread(workspace.client, key.channel, key.threadTs, { maxMessages: 200 }).catch(
      () => [],
    );
    return messages.some((m) => m.ts !== key.threadTs && m.user && m.user !== asker && !m.bot_id && !m.subtype);
  }

  /** A reply in a desk thread: a person other than the asker takes over (the bot goes quiet, the clock stops). */
  async reply(key: ThreadKey, user: string, at: number): Promise<void> {
    const thread = await this.d.store.get(key);
    if (!thread || user === thread.asker) return;
    if (await this.d.store.claim(key, 'first_human', at)) {
      this.d.metrics.firstHumanReply(at - thread.askedAt);
      await this.d.stats
        .firstReply(key.teamId, key.channel, thread.askedAt, at - thread.askedAt)
        .catch(() => undefined);
    }
    const left = await this.d.store.move(
      key,
      ['open', 'answered', 'waiting_for_human'],
      { state: 'with_human', at, by: user, actor: 'person' },
      this.d.threadTtlSeconds,
    );
    if (!left) return;
    await this.stopClock(key, thread.clockFrom);
    this.d.log.info(
      { channel: key.channel, thread_ts: key.threadTs, from: left },
      'a person took over the desk thread',
    );
  }

  /** "I need a human" or `/threadwise handoff`: one message mentioning on-call; the thread waits for a person. */
  async handoff(key: ThreadKey, by: string): Promise<'handed_off' | 'not_desk' | DeskState> {
    const cfg = deskOf(this.d.settings.current(), key.channel);
    const thread = await this.d.store.get(key);
    if (!cfg || !thread) return 'not_desk';
    const at = this.now();
    const left = await this.d.store.move(
      key,
      ['open', 'answered'],
      { state: 'waiting_for_human', at, by, actor: 'person' },
      this.d.threadTtlSeconds,
    );
    if (!left) return thread.state;
    await this.stopClock(key, thread.clockFrom);
    await this.d.store.restartClock(key, at);
    const t = await this.d.languages.of(key.teamId, thread.asker);
    const tried = (await this.d.store.noted(key, 'tried')) ?? t.t('desk.tried_none');
    const workspace = await this.d.workspaces.forTeam(key.teamId);
    await workspace.client.chat.postMessage({
      channel: key.channel,
      thread_ts: key.threadTs,
      text: handoffText(t, {
        oncall: await this.d.oncall(key.teamId, cfg.oncall),
        asker: thread.asker,
        by,
        question: thread.question,
        tried,
      }),
    });
    await this.count(key, 'handoffs', at);
    await this.gap(key, thread.question, thread.asker, at);
    await this.d.audit.record({
      teamId: key.teamId,
      action: 'handoff',
      actor: by,
      channel: key.channel,
      threadTs: key.threadTs,
      outcome: 'handed_off',
      detail: { oncall: cfg.oncall, asker: thread.asker },
    });
    await this.startClock(key, at, cfg);
    this.d.log.info({ channel: key.channel, thread_ts: key.threadTs, by }, 'desk thread handed off');
    return 'handed_off';
  }

  /** "Solved it" or ✅ by the asker: resolved, timers stopped, kept with its history. */
  async resolve(key: ThreadKey, by: string): Promise<'resolved' | 'not_asker' | 'not_desk' | 'already'> {
    const thread = await this.d.store.get(key);
    if (!thread) return 'not_desk';
    if (by !== thread.asker) return 'not_asker';
    const at = this.now();
    const left = await this.d.store.move(
      key,
      WHILE_OPEN,
      { state: 'resolved', at, by, actor: 'person' },
      this.d.threadTtlSeconds,
    );
    if (!left) return 'already';
    await this.stopClock(key, thread.clockFrom);
    // Deflection: the bot's answer solved it, and no person was brought in.
    if (left === 'answered' && !thread.firstHumanAt) await this.count(key, 'deflected', at);
    await this.keepSolved(key, thread.asker, thread.question, at).catch((err: Error) =>
      this.d.log.warn({ err: { message: err.message } }, 'the resolved thread was not kept for later questions'),
    );
    this.d.log.info({ channel: key.channel, thread_ts: key.threadTs, from: left }, 'desk thread resolved');
    return 'resolved';
  }

  /** A resolved thread becomes a source for later questions: its question, what was answered, its permalink. */
  private async keepSolved(key: ThreadKey, asker: string, question: string, at: number): Promise<void> {
    const { client } = await this.d.workspaces.forTeam(key.teamId);
    const messages = await readThread(client, key.channel, key.threadTs, { maxMessages: 200 });
    const answer = messages
      .filter((m) => m.ts !== key.threadTs && m.user !== asker && !m.subtype)
      .map((m) => m.text)
      .filter((t) => t && !t.startsWith(HANDOFF_MARK) && !t.startsWith(ESCALATION_MARK))
      .join('\n')
      .slice(0, 1_500);
    if (!answer) return;
    const link = await client.chat.getPermalink({ channel: key.channel, message_ts: key.threadTs });
    if (!link.permalink) return;
    await this.d.store.remember(
      key.teamId,
      key.channel,
      { question, answer, permalink: link.permalink, at },
      this.d.threadTtlSeconds,
    );
  }

  /** A due SLA timer: escalate once per level, unless a person replied, it was resolved, or the clock restarted. */
  async escalate(job: SlaJob): Promise<void> {
    const key = { teamId: job.teamId, channel: job.channel, threadTs: job.threadTs };
    const cfg = deskOf(this.d.settings.current(), key.channel);
    const thread = await this.d.store.get(key);
    if (!cfg || !thread || thread.clockFrom !== job.clockFrom) return;
    if (thread.state !== 'open' && thread.state !== 'waiting_for_human') return;
    if (!(await this.d.store.claim(key, `escalated:${job.clockFrom}:${job.level}`, this.now()))) return;
    const workspace = await this.d.workspaces.forTeam(key.teamId);
    const waited = this.now() - job.clockFrom;
    await workspace.client.chat.postMessage({
      channel: key.channel,
      thread_ts: key.threadTs,
      text: escalationText(
        await this.d.languages.of(key.teamId, thread.asker),
        await this.d.oncall(key.teamId, cfg.oncall),
        cfg.sla_minutes * 60_000 * job.level,
        job.level,
      ),
    });
    if (job.level === 1) await this.count(key, 'sla_breaches');
    this.d.log.info(
      { channel: key.channel, thread_ts: key.threadTs, level: job.level, waited_ms: waited },
      'desk SLA escalation',
    );
  }
}

const BOT: Actor = { by: 'bot', actor: 'bot' };
