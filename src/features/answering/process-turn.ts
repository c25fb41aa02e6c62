import type { KnownBlock } from '@slack/types';
import type { Logger } from 'pino';
import type { SettingsSource } from '../../config/live-settings.js';
import { channelSettings } from '../../config/settings.js';
import type { Translator } from '../../i18n/translators.js';
import { type Metrics, seconds } from '../../platform/observability/metrics.js';
import type { TurnJob, TurnProcessor } from '../../platform/queue/types.js';
import { AgentSession } from '../../platform/slack/agent-session.js';
import { guardedSink } from '../../platform/slack/guarded-sink.js';
import type { SlackUserProfile } from '../../platform/slack/lookups.js';
import { neutraliseMarkdown } from '../../platform/slack/markdown-guard.js';
import { resolveSlackMarkup } from '../../platform/slack/markup.js';
import type { Blocks } from '../../platform/slack/reply-transports.js';
import { SlackReplyWriter } from '../../platform/slack/reply-writer.js';
import { ThreadStatus } from '../../platform/slack/thread-status.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { SlackWorkspaces, Workspace } from '../../platform/slack/workspaces.js';
import type { TurnStops } from '../../platform/store/turn-stops.js';
import type { TurnLedger } from '../../platform/store/types.js';
import type { UserStateStore } from '../../platform/store/user-state.js';
import type { ToolContext } from '../../platform/tools/types.js';
import { type ReplySink, type Source, ZERO_USAGE } from '../../turn/ports.js';
import { runTurn, type TurnDeps, type TurnResult } from '../../turn/run-turn.js';
import type { ThreadItem } from '../../turn/thread.js';
import type { FindEarlierAnswers } from '../knowledge/earlier-answers.js';
import type { SourcesOnly } from '../knowledge/sources-only.js';
import { answerTicketCards, postTicketCards } from '../tickets/answer-cards.js';
import { ticketLines, ticketTable } from '../tickets/ticket-table.js';
import type { ConversationTools } from '../tools/sessions.js';
import { describeAppContext } from './app-context.js';
import { feedbackBlocks } from './feedback-blocks.js';
import { startingStatus, titleFrom } from './turn-presence.js';

export interface ProcessTurnDeps {
  /** Read at the start of each turn: a reloaded file or an admin's change applies to the next question. */
  settings: SettingsSource;
  envModel: string;
  workspaces: SlackWorkspaces;
  /** The catalogs the asker's notices, statuses and buttons come from. */
  languages: UserLanguages;
  turns: TurnLedger;
  /** Viewing context and the per-person thread index. */
  userState: UserStateStore;
  /** How long a thread is remembered (the per-person index lives as long). */
  threadTtlSeconds: number;
  turn: TurnDeps;
  /** Tools offered to the model, per conversation; none when nothing is configured. */
  tools?: ConversationTools;
  log: Logger;
  metrics: Metrics;
  /** Stop pressed on a thread (agent_session_stopped), from whichever replica received it. */
  stops: TurnStops;
  /** Channels with `answer_only_from_sources`: the search before the answer; absent: such channels answer as usual. */
  sourcesOnly?: SourcesOnly;
  /** Earlier Slack threads that may answer a typed question (`knowledge.slack_search`), for this answer only. */
  earlier?: FindEarlierAnswers;
}

/**
 * How long a turn waits for a new asker's users.info (their name and locale) before it goes on without them.
 * A cached profile answers at once; a new person's lookup (Tier 4, tens of milliseconds) runs beside the markup,
 * files and viewing context the turn reads anyway, so the cap only matters when Slack is slow — and then the
 * model is not told the language (it follows the question's own) and statuses start in English, while the
 * notices at the end use the locale once it has arrived. `locale_wait_ms` in "turn finished" shows the cost.
 */
export const TURN_LOCALE_WAIT_MS = 250;

/** What another feature adds to an answer (the help desk: sources found beforehand, its buttons). */
export interface AnswerExtras {
  /** Text the model reads before the question (the passages to answer from). */
  context?: string;
  /** Listed under the answer with whatever its tools find. */
  sources?: Source[];
  /** Shown under the finished answer, above the feedback buttons. */
  blocks?: KnownBlock[];
}

/** Answers one job; undefined when an earlier attempt already completed it. */
export type AnswerRunner = (job: TurnJob, extras?: AnswerExtras) => Promise<TurnResult | undefined>;

/** The queued turn of a typed or commanded question. */
export function createTurnProcessor(deps: ProcessTurnDeps): TurnProcessor {
  const run = createAnswerRunner(deps);
  return async (job) => {
    await run(job);
  };
}

/**
 * Glue between a queued Slack message and the pure turn: resolve names, markup and files, open the reply, run.
 * A job can run more than once (its replica died, or an unexpected error): a turn that already completed is
 * skipped, and one that had started replying takes over its own half-written message instead of adding one.
 */
export function createAnswerRunner(deps: ProcessTurnDeps): AnswerRunner {
  const run = turnRunner(deps);
  return async (job, extras = {}) => {
    // Watched from the start: Slack shows Stop as soon as the session is processing, before the model is called.
    const stop = new AbortController();
    const unwatch = deps.stops.watch(job.key, () => stop.abort());
    try {
      return await run(job, extras, stop.signal);
    } finally {
      unwatch();
    }
  };
}

function turnRunner(
  deps: ProcessTurnDeps,
): (job: TurnJob, extras: AnswerExtras, signal: AbortSignal) => Promise<TurnResult | undefined> {
  const { metrics } = deps;
  return async (job, extras, signal) => {
    const startedAt = Date.now();
    metrics.queueWaitSeconds.observe(seconds(startedAt - job.receivedAt));
    // Every line of this turn carries its id and the Slack ids, so one filter finds the whole story.
    const log = deps.log.child({
      turn: job.id,
      slack: {
        team: job.key.teamId,
        channel: job.key.channel,
        thread_ts: job.key.threadTs,
        message_ts: job.messageTs,
        user: job.userId,
      },
    });
    // Both reads go out together: one round trip to Redis instead of two in series.
    const [history, earlier] = await Promise.all([deps.turn.threads.load(job.key), deps.turns.replies(job.id)]);
    const done = job.approval
      ? (item: ThreadItem) =>
          item.type === 'hosted' &&
          item.item.type === 'mcp_approval_response' &&
          item.item.approval_request_id === job.approval?.requestId
      : (item: ThreadItem) => item.type === 'user' && item.ts === job.messageTs;
    if (history.some(done)) {
      log.info('turn already completed by an earlier attempt; nothing to do');
      return undefined;
    }
    log.info({ resumed: earlier.length > 0 }, 'turn started');
    const workspace = await deps.workspaces.forTeam(job.key.teamId);
    const file = deps.settings.current();
    const settings = channelSettings(file, deps.envModel, job.key.channel, job.isDm);
    const status = new ThreadStatus(workspace.client, { channel: job.key.channel, threadTs: job.key.threadTs }, log);
    const session = new AgentSession(workspace.client, { ...target(job), initiatorUserId: job.userId }, log);
    // Not awaited: the answer must not wait on it, and the session keeps its calls in order.
    void session.status('processing');
    signal.addEventListener('abort', () => log.info('stop requested: stopping the turn'), { once: true });
    // users.info (a Slack round trip for every new person, cached after) holds the model call back at most
    // TURN_LOCALE_WAIT_MS: the model reads the name and language when they are known by then, and the name is
    // stored with the message once it arrives. Tools wait for it, because they act as the asker and must know who
    // that is from Slack.
    let profile: SlackUserProfile | undefined;
    const profileKnown = workspace.lookups.userProfile(job.userId).then((p) => {
      profile = p;
    });
    const typed = (job.origin ?? 'message') === 'message';
    const resolved = resolveSlackMarkup(job.text, workspace.lookups, { botUserId: workspace.botUserId });
    if (job.isDm && typed && history.length === 0 && file.assistant.title_from_first_question)
      void setTitle(session, resolved);
    const waitStarted = Date.now();
    await within(profileKnown, TURN_LOCALE_WAIT_MS);
    const localeWaitMs = Date.now() - waitStarted;
    /** The asker's language as known now; a locale that arrives later applies from then on. */
    const language = () => deps.languages.translators.forLocale(profile?.locale);
    const starting = startingStatus(language(), job.files, file.assistant.loading_messages);
    status.show(starting.text, starting.loading);
    const offersTools = deps.tools?.offersAny({ channel: job.key.channel, isDm: job.isDm }) ?? false;
    const [, text, files, viewing, found] = await Promise.all([
      offersTools ? profileKnown : undefined,
      resolved,
      job.files?.length
        ? workspace.readFiles(job.files, { messageTs: job.messageTs, detail: settings.imageDetail })
        : undefined,
      // What the person is looking at reaches the next question they type in the Messages tab.
      job.isDm && typed ? viewingContext(deps, workspace, job, log) : undefined,
      // Beside the other look-ups, within its own short time cap: it never holds the model call back for long.
      typed && !job.approval
        ? deps.earlier?.({
            key: job.key,
            messageTs: job.messageTs,
            question: job.text,
            ...(job.actionToken ? { actionToken: job.actionToken } : {}),
            client: workspace.client,
            gate: workspace.gate,
            asker: profileKnown.then(() => ({
              ...(profile?.tz ? { timeZone: profile.tz } : {}),
              ...(profile?.locale ? { locale: profile.locale } : {}),
            })),
            log,
          })
        : undefined,
    ]);
    // Bookkeeping runs beside the turn, not before its model call; the turn still ends only once it is written.
    const indexed = deps.userState
      .noteThread(job.key, job.userId, job.receivedAt, deps.threadTtlSeconds)
      .catch((err: Error) => log.warn({ err: { message: err.message } }, 'could not index the thread for its asker'));
    // Set by the lookup above if it has answered by now (a cached name has); TypeScript cannot see the callback.
    const known = profile as SlackUserProfile | undefined;
    const user = { id: job.userId, name: known?.name ?? nameInThread(history, job.userId) ?? job.userId };
    // Identity for tools comes from Slack (the event and users.info), never from what the model sends.
    const ctx: ToolContext = {
      ...job.key,
      isDm: job.isDm,
      user: { ...user, ...(known?.email ? { email: known.email } : {}) },
    };
    const { session: tools, notices } = (await deps.tools?.forTurn(ctx, log.child({ component: 'tools' }))) ?? {
      notices: [],
    };
    const { sink, writer } = replySink(
      deps,
      workspace,
      job,
      status,
      session,
      settings.answerVisibility === 'broadcast',
      extras.blocks ?? [],
      language,
      log,
    );
    if (earlier.length) {
      log.warn({ messages: earlier.length }, 'an earlier attempt of this turn was interrupted; taking over its reply');
      await writer.takeOver(earlier, language().t('notice.restarted'));
    }
    // Sources found beforehand (the desk's) already bound the answer; a resumed approval continues its own turn.
    let answerExtras = extras;
    if (settings.answerOnlyFromSources && deps.sourcesOnly && !extras.context && !job.approval) {
      const fromSources = await deps.sourcesOnly.find(
        tools && ((name, args) => tools.invoke(name, args, signal)),
        { ...job.key, askedBy: job.userId, oncall: file.channels[job.key.channel]?.desk?.oncall ?? [] },
        text,
        language(),
      );
      if (!fromSources.found) {
        // The bot's own words, with on-call as live mentions: written as they are, not through the guarded sink.
        writer.append(fromSources.reply);
        const shown = await writer.finish({ outcome: 'answered' });
        await status.clear();
        await deps.turn.threads.append(job.key, [
          {
            type: 'user',
            ts: job.messageTs,
            userId: job.userId,
            userName: profile?.name ?? user.name,
            text,
            ...(files?.attachments.length ? { attachments: files.attachments } : {}),
          },
          ...(shown.undelivered
            ? []
            : [{ type: 'assistant' as const, ts: shown.messageTs[0], text: fromSources.reply }]),
        ]);
        await session.end();
        await indexed;
        const outcome = shown.undelivered ? 'undelivered' : 'answered';
        metrics.turns.inc({ outcome });
        log.info(
          { outcome, reason: fromSources.reason, reply_ts: shown.messageTs, duration_ms: Date.now() - job.receivedAt },
          'turn finished',
        );
        return { outcome, usage: ZERO_USAGE, messageTs: shown.messageTs, toolRounds: 0, sources: [] };
      }
      answerExtras = {
        ...extras,
        context: fromSources.context,
        sources: [...(extras.sources ?? []), ...fromSources.sources],
      };
    }
    const result = await runTurn(
      {
        turnId: job.id,
        key: job.key,
        settings,
        user: {
          ...user,
          laterName: () => profile?.name,
          ...(known?.locale ? { locale: known.locale } : {}),
          laterLocale: () => profile?.locale,
        },
        text: [answerExtras.context, viewing, text].filter(Boolean).join('\n\n'),
        ...(found ? { ephemeralContext: found.context } : {}),
        messageTs: job.messageTs,
        history,
        ...files,
        sink,
        tools,
        ...(answerExtras.sources?.length || found
          ? { sources: [...(answerExtras.sources ?? []), ...(found?.sources ?? [])] }
          : {}),
        notices,
        ...(job.approval
          ? { resume: { approvalRequestId: job.approval.requestId, approve: job.approval.approve } }
          : {}),
        signal,
      },
      { ...deps.turn, log, usageLog: deps.log.child({ turn: job.id }) },
    );
    await session.end();
    await indexed;
    metrics.turns.inc({ outcome: result.outcome });
    metrics.turnSeconds.observe({ outcome: result.outcome }, seconds(Date.now() - job.receivedAt));
    // An answer Slack never showed is an incident, not a finished turn: it must stand out in the logs.
    log[result.outcome === 'undelivered' ? 'error' : 'info'](
      {
        outcome: result.outcome,
        messages: result.messageTs.length,
        reply_ts: result.messageTs,
        tool_rounds: result.toolRounds,
        resumed: earlier.length > 0,
        request_id: result.call?.requestId ?? result.error?.details.requestId,
        response_id: result.call?.responseId,
        queue_wait_ms: startedAt - job.receivedAt,
        locale_wait_ms: localeWaitMs,
        language: language().language,
        duration_ms: Date.now() - job.receivedAt,
      },
      'turn finished',
    );
    return result;
  };
}

/** The name the asker had when they last wrote in this thread (known after a restart, before users.info answers). */
function nameInThread(history: readonly ThreadItem[], userId: string): string | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const item = history[i];
    if (item?.type === 'user' && item.userId === userId) return item.userName;
  }
  return undefined;
}

/**
 * The answer streams through the writer, neutralised first; progress (waiting in line, tools running) shows as the
 * thread status.
 */
function replySink(
  deps: ProcessTurnDeps,
  workspace: Workspace,
  job: TurnJob,
  status: ThreadStatus,
  session: AgentSession,
  broadcast: boolean,
  above: KnownBlock[],
  language: () => Translator,
  log: Logger,
): { sink: ReplySink; writer: SlackReplyWriter } {
  const { slack } = deps.settings.current();
  const writer = new SlackReplyWriter(
    workspace.client,
    workspace.gate,
    {
      channel: job.key.channel,
      threadTs: job.key.threadTs,
      recipientUserId: job.userId,
      // In a Slack Connect channel the asker may belong to another organisation than the event's workspace.
      recipientTeamId: job.userTeamId ?? job.key.teamId,
      ...(broadcast ? { broadcast } : {}),
      taskDisplayMode: slack.task_display_mode,
    },
    {
      // Every finished answer can be rated; the votes feed evals and fine-tuning exports.
      finalBlocks: () => [...above, ...feedbackBlocks(language())] as Blocks,
      nothingToAdd: () => language().t('reply.nothing_to_add'),
      firstFlushMs: slack.first_flush_ms,
      flushIntervalMs: slack.flush_interval_ms,
      nativeStreaming: slack.native_streaming,
      session,
      onFirstVisible: () => deps.metrics.firstVisibleSeconds.observe(seconds(Date.now() - job.receivedAt)),
      onMessage: (ts) => {
        status.replacedByReply();
        return deps.turns.recordReply(job.id, ts);
      },
    },
    log,
  );
  const sink: ReplySink = {
    append: (delta) => writer.append(delta),
    status: (line, kind, loading) => status.show(line, [loading], kind === 'tools'),
    // Steps stream inside the answer; where they cannot, the thread status says what runs, as before.
    steps: (steps, line) => writer.steps(steps, line ? () => status.show(line.text, [line.loading], true) : undefined),
    restart: (note) => writer.restart(note),
    finish: async ({ tickets, ...end }) => {
      // Two or more tickets read better as a table under the answer than as the model's bullet list.
      const done = await writer.finish(
        tickets && tickets.length > 1
          ? {
              ...end,
              blocks: [ticketTable(tickets, language()) as KnownBlock],
              // Where Slack refuses the table, the same rows as lines; ticket text is neutralised like the answer.
              blocksText: neutraliseMarkdown(ticketLines(tickets)),
            }
          : end,
      );
      await status.clear();
      // Each ticket shown also gets its Work Object card under the answer (stream and update calls take no entities).
      const cards =
        tickets?.length &&
        !done.undelivered &&
        answerTicketCards(tickets, deps.settings.current().access, job.key.channel);
      const ts = cards ? await postTicketCards(workspace, target(job), cards, log) : undefined;
      if (!ts) return done;
      // A retry of this turn takes the cards over with the rest of its reply.
      await deps.turns
        .recordReply(job.id, ts)
        .catch((err: Error) => log.warn({ err: { message: err.message } }, 'could not record the ticket cards'));
      return { ...done, messageTs: [...done.messageTs, ts] };
    },
  };
  // Whatever the turn shows was written by the model, a tool, a file or a person: neutralised on its way out.
  return { sink: guardedSink(sink), writer };
}

const target = (job: TurnJob) => ({ channel: job.key.channel, threadTs: job.key.threadTs });

/** Waits for `work` at most `ms` (it goes on running either way); never rejects. */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** Names a new DM thread after its first question; best effort (the thread works without a title). */
async function setTitle(session: AgentSession, question: Promise<string>): Promise<void> {
  const title = titleFrom(await question);
  if (title) await session.rename(title);
}

/** The channel or message the person was viewing when they asked (consumed by this question), as one line. */
async function viewingContext(
  deps: ProcessTurnDeps,
  workspace: Workspace,
  job: TurnJob,
  log: Logger,
): Promise<string | undefined> {
  try {
    const context = await deps.userState.takeContext(job.key.teamId, job.userId);
    if (!context) return undefined;
    return await describeAppContext(context, {
      client: workspace.client,
      lookups: workspace.lookups,
      botUserId: workspace.botUserId,
      log,
    });
  } catch (err) {
    log.warn({ err: { message: (err as Error).message } }, 'viewing context unavailable');
    return undefined;
  }
}
