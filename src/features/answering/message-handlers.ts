import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { type Metrics, seconds } from '../../platform/observability/metrics.js';
import type { ParticipationStore } from '../../platform/store/participation.js';
import type { DedupeStore } from '../../platform/store/types.js';
import type { ThreadKey, ThreadStore } from '../../turn/thread.js';
import { actionTokenOf, classifyMessage, messageEventSchema, type TriggerContext } from './message-event.js';
import type { AcceptQuestion } from './start-turn.js';

/** The bot identity Bolt's authorize step put on the context (per workspace in OAuth mode). */
interface BotIdentity {
  botUserId?: string;
  botId?: string;
}

export interface MessageHandlerDeps {
  trigger: (bot: BotIdentity) => TriggerContext;
  requireMention: (channel: string, isDm: boolean) => boolean;
  /** Whether another feature keeps the bot out of this thread unless mentioned (the help desk: a person has it). */
  quietThread?: (key: ThreadKey, userId: string) => Promise<boolean>;
  threads: ThreadStore;
  participation: ParticipationStore;
  /** Claims a refused message (the one told no is not told twice); an accepted one is claimed by the queue. */
  dedupe: DedupeStore;
  dedupeTtlSeconds: number;
  accept: AcceptQuestion;
  /**
   * Where the bot may speak and who may ask; false: the asker was told privately (if `refuseOnce` resolves true:
   * the first delivery of the message), and nothing else happens.
   */
  admit: (a: {
    teamId: string;
    channel: string;
    isDm: boolean;
    userId: string;
    threadTs: string;
    refuseOnce: () => Promise<boolean>;
  }) => Promise<boolean>;
  log: Logger;
  metrics: Metrics;
}

interface Envelope {
  event_id?: string;
  team_id?: string;
}

/** Marked when it accepted a question; threads answered before that mark existed are known by their stored items. */
async function isBotsThread(deps: MessageHandlerDeps, key: ThreadKey): Promise<boolean> {
  // Both asked at once: this is before Slack's ack, where every round trip in series counts.
  const [joined, stored] = await Promise.all([deps.participation.has(key), deps.threads.has(key)]);
  return joined || stored;
}

/**
 * Mentions, DMs and thread follow-ups: filter, admit, enqueue once per message. Any error here propagates so the HTTP receiver
 * answers 5xx and Slack delivers the event again later.
 */
export function registerMessageHandlers(app: App, deps: MessageHandlerDeps): void {
  const handle = async (rawEvent: unknown, body: Envelope, bot: BotIdentity) => {
    const parsed = messageEventSchema.safeParse(rawEvent);
    if (!parsed.success) {
      deps.log.warn(
        { event_id: body.event_id, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
        'ignoring malformed message event',
      );
      return;
    }
    const event = parsed.data;
    const trigger = classifyMessage(event, deps.trigger(bot));
    if (trigger.action === 'ignore') {
      deps.log.debug({ event_id: body.event_id, reason: trigger.reason }, 'message is not a question for the bot');
      return;
    }
    const teamId = body.team_id ?? '';
    const key = { teamId, channel: event.channel, threadTs: trigger.threadTs };
    if (trigger.needsThread) {
      const unanswered = deps.requireMention(event.channel, trigger.isDm)
        ? 'this channel answers only mentions'
        : !(await isBotsThread(deps, key))
          ? 'the bot takes no part in this thread'
          : (await deps.quietThread?.(key, event.user ?? event.bot_id ?? ''))
            ? 'a person has this thread (help desk)'
            : undefined;
      if (unanswered) {
        // Info, not debug: a follow-up the bot leaves alone must be explainable from the log.
        deps.log.info(
          { event_id: body.event_id, channel: event.channel, thread_ts: trigger.threadTs, reason: unanswered },
          'thread follow-up not answered',
        );
        return;
      }
    }

    // The same message can arrive as app_mention and as message, and Slack retries deliveries: the message identity
    // is claimed once, so exactly one delivery becomes a turn. The queue writes the claim in the same step as the
    // turn (one round trip before the ack); a refusal claims it before telling the asker, so they are told once.
    const messageId = `msg:${teamId}:${event.channel}:${event.ts}`;
    const duplicate = () => deps.log.debug({ event_id: body.event_id, ts: event.ts }, 'duplicate delivery ignored');
    const userId = event.user ?? event.bot_id ?? 'unknown';
    const admitted = await deps.admit({
      teamId,
      channel: event.channel,
      isDm: trigger.isDm,
      userId,
      threadTs: trigger.threadTs,
      refuseOnce: () => deps.dedupe.claim(messageId, deps.dedupeTtlSeconds),
    });
    if (!admitted) return;
    const actionToken = actionTokenOf(event);
    const job = {
      id: body.event_id ?? messageId,
      key,
      isDm: trigger.isDm,
      userId,
      ...(event.user_team ? { userTeamId: event.user_team } : {}),
      messageTs: event.ts,
      text: event.text,
      ...(event.files?.length ? { files: event.files } : {}),
      ...(actionToken ? { actionToken } : {}),
      receivedAt: Date.now(),
    };
    // A failure writes nothing that would make Slack's redelivery a duplicate (the queue takes its step back).
    const queued = await deps.accept(job, { once: { messageId, ttlSeconds: deps.dedupeTtlSeconds } });
    if (queued.duplicate) duplicate();
  };
  // The receiver acknowledges Slack when the listener returns, so the listener's duration is the ack latency.
  const timed = async (name: string, rawEvent: unknown, body: Envelope, bot: BotIdentity) => {
    const started = Date.now();
    try {
      await handle(rawEvent, body, bot);
    } finally {
      deps.metrics.ackSeconds.observe({ event: name }, seconds(Date.now() - started));
    }
  };
  app.event('app_mention', async ({ event, body, context }) => timed('app_mention', event, body as Envelope, context));
  app.event('message', async ({ event, body, context }) => timed('message', event, body as Envelope, context));
}
