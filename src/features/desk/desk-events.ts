import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SettingsSource } from '../../config/live-settings.js';
import type { TurnQueue } from '../../platform/queue/types.js';
import { issuesOf } from '../../platform/slack/payloads.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import type { DedupeStore } from '../../platform/store/types.js';
import type { ThreadKey } from '../../turn/thread.js';
import { actionTokenOf, classifyMessage, messageEventSchema } from '../answering/message-event.js';
import type { Desk } from './desk-flow.js';
import { deskOf } from './desk-flow.js';

export interface DeskEventDeps {
  settings: SettingsSource;
  desk: Desk;
  queue: TurnQueue;
  dedupe: DedupeStore;
  dedupeTtlSeconds: number;
  workspaces: SlackWorkspaces;
  bot?: { userId: string; botId: string };
  /** Where the bot may speak (access.allowed_channels, per-channel users): a question it may not take is left alone. */
  admit: (a: { teamId: string; channel: string; isDm: boolean; userId: string; threadTs: string }) => Promise<boolean>;
  log: Logger;
}

interface Envelope {
  event_id?: string;
  team_id?: string;
}

/** Subtypes that are a person writing in the thread (not an edit, a join or a bot). */
const PERSON_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast']);

const reactionSchema = z.looseObject({
  type: z.literal('reaction_added'),
  user: z.string().min(1),
  reaction: z.string(),
  item: z.looseObject({ type: z.string(), channel: z.string().optional(), ts: z.string().optional() }),
});

/**
 * Desk channels: a top-level message from a person is a question (opened, then queued for the desk's decision);
 * a reply by someone other than the asker hands the thread to people; ✅ by the asker resolves it. Errors
 * propagate, so Slack delivers the event again.
 */
export function registerDeskEvents(app: App, deps: DeskEventDeps): void {
  app.event('message', async ({ event, body, context }) => {
    const parsed = messageEventSchema.safeParse(event);
    if (!parsed.success || !deskOf(deps.settings.current(), parsed.data.channel)) return;
    const ev = parsed.data;
    const env = body as Envelope;
    const teamId = env.team_id ?? '';
    const botUserId = context.botUserId ?? deps.bot?.userId ?? '';
    if (ev.thread_ts && ev.thread_ts !== ev.ts) {
      if (ev.bot_id || !ev.user || ev.user === botUserId || !PERSON_SUBTYPES.has(ev.subtype)) return;
      const key = { teamId, channel: ev.channel, threadTs: ev.thread_ts };
      await deps.desk.reply(key, ev.user, Math.round(Number(ev.ts) * 1000));
      return;
    }
    const trigger = classifyMessage(ev, {
      botUserId,
      botId: context.botId ?? deps.bot?.botId ?? '',
      allowBots: deps.settings.current().slack.allow_bots,
    });
    if (trigger.action !== 'ignore' || !trigger.topLevel) return;
    const messageId = `desk:${teamId}:${ev.channel}:${ev.ts}`;
    if (!(await deps.dedupe.claim(messageId, deps.dedupeTtlSeconds))) return;
    const actionToken = actionTokenOf(ev);
    const job = {
      id: env.event_id ?? messageId,
      key: { teamId, channel: ev.channel, threadTs: ev.ts },
      isDm: false,
      userId: ev.user ?? ev.bot_id ?? 'unknown',
      ...(ev.user_team ? { userTeamId: ev.user_team } : {}),
      messageTs: ev.ts,
      text: ev.text,
      ...(ev.files?.length ? { files: ev.files } : {}),
      ...(actionToken ? { actionToken } : {}),
      receivedAt: Date.now(),
      desk: true as const,
    };
    try {
      if (!(await deps.admit({ teamId, channel: ev.channel, isDm: false, userId: job.userId, threadTs: ev.ts }))) {
        await deps.dedupe.release(messageId).catch(() => undefined);
        return;
      }
      await deps.desk.open(job);
      await deps.queue.enqueue(job);
    } catch (err) {
      await deps.dedupe.release(messageId).catch(() => undefined);
      throw err;
    }
    deps.log.info({ event_id: env.event_id, channel: ev.channel, ts: ev.ts }, 'desk question queued');
  });

  app.event('reaction_added', async ({ event, body }) => {
    const parsed = reactionSchema.safeParse(event);
    if (!parsed.success) return deps.log.warn({ issues: issuesOf(parsed.error) }, 'ignoring malformed reaction_added');
    const { user, reaction, item } = parsed.data;
    if (reaction !== 'white_check_mark' || item.type !== 'message' || !item.channel || !item.ts) return;
    if (!deskOf(deps.settings.current(), item.channel)) return;
    const teamId = (body as Envelope).team_id ?? '';
    const key = await threadOf(deps, teamId, item.channel, item.ts);
    const outcome = await deps.desk.resolve(key, user);
    deps.log.info({ channel: item.channel, thread_ts: key.threadTs, outcome }, 'desk ✅ reaction');
  });
}

/** The thread a reacted-to message belongs to: its own (a question), or its parent's (a reply, an answer). */
async function threadOf(deps: DeskEventDeps, teamId: string, channel: string, ts: string): Promise<ThreadKey> {
  const own = { teamId, channel, threadTs: ts };
  const workspace = await deps.workspaces.forTeam(teamId);
  const page = await workspace.client.conversations
    .replies({ channel, ts, limit: 1 })
    .catch(() => ({ messages: [] as Array<{ thread_ts?: string }> }));
  const parent = page.messages?.[0]?.thread_ts;
  return parent ? { ...own, threadTs: parent } : own;
}
