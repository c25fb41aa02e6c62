import type { Logger } from 'pino';
import { z } from 'zod';
import { parseStored } from '../../lib/stored-json.js';
import type { Subcommand } from '../../platform/slack/command-router.js';
import { mrkdwn, slackLink } from '../../platform/slack/mrkdwn.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import type { AuditLog } from '../../platform/store/audit-log.js';
import type { OverrideStore } from '../../platform/store/channel-overrides.js';
import type { FeedbackStore } from '../../platform/store/feedback.js';
import type { ApprovalStore } from '../../platform/store/types.js';
import type { UserStateStore } from '../../platform/store/user-state.js';
import type { ThreadKey, ThreadStore } from '../../turn/thread.js';
import type { UsageStore } from '../usage/types.js';

export interface PrivacyDeps {
  threads: ThreadStore;
  userState: UserStateStore;
  feedback: FeedbackStore;
  usage: UsageStore;
  /** Pending ticket approvals and triage cards waiting for their button (both keep the asker's id). */
  pending: ApprovalStore;
  /** MCP sign-ins (sealed tokens, flows in progress); absent where nothing keeps them. */
  signIns?: ApprovalStore;
  workspaces: SlackWorkspaces;
  /** Help-desk state of the threads the person asked in (their question and its history). */
  desk?: { forget(key: ThreadKey, userId: string): Promise<boolean> };
  /** The audit records about the person go; the run itself is recorded. */
  audit: AuditLog;
  /** The history of channel settings names the admins who changed them. */
  overrides: OverrideStore;
  /** Approved answers name the editor who saved them. */
  approved?: { forgetEditor(teamId: string, userId: string): Promise<number> };
  /** The weekly gaps digest keeps the questions people asked that the sources did not answer. */
  gaps?: { forgetPerson(userId: string): Promise<number> };
  log: Logger;
}

const ownerSchema = z.looseObject({
  teamId: z.string().optional(),
  userId: z.string().optional(),
  requestedBy: z.string().optional(),
});

/** Whether a pending approval ({teamId, userId}) or kept triage ({teamId, requestedBy}) belongs to this person. */
function ownedBy(raw: string, teamId: string, userId: string): boolean {
  const v = parseStored(ownerSchema, raw);
  return v?.teamId === teamId && (v.userId === userId || v.requestedBy === userId);
}

/**
 * `/threadwise reset`: forgets the conversation the caller last had with the bot in this DM or channel (slash
 * commands carry no thread, so "this thread" is the caller's most recent one here). The Slack messages stay.
 */
export function resetSubcommand(deps: PrivacyDeps): Subcommand {
  return {
    name: 'reset',
    description: (t) => t.t('subcommand.reset'),
    async run(ctx) {
      const threads = await deps.userState.threads(ctx.teamId, ctx.userId);
      const target = threads.find((t) => t.channel === ctx.channelId);
      if (!target || !(await deps.threads.has(target))) return ctx.t.t('reply.reset.nothing');
      await deps.threads.clear(target);
      await deps.userState.forgetThread(target, ctx.userId);
      deps.log.info({ channel: target.channel, thread_ts: target.threadTs }, 'conversation reset by command');
      const { client } = await deps.workspaces.forTeam(ctx.teamId);
      const link = await client.chat
        .getPermalink({ channel: target.channel, message_ts: target.threadTs })
        .then((r) => r.permalink)
        .catch(() => undefined);
      const label = ctx.t.t('reply.reset.that_thread');
      return ctx.t.t('reply.reset.done', { thread: link ? mrkdwn`${slackLink(link, label)}` : label });
    },
  };
}

/**
 * `/threadwise forget-me`: deletes what the bot stores about the caller. Removed: their DM conversations with the
 * bot (with files), their messages and the tool results fetched for them in shared threads, their feedback votes,
 * their place in the admins' top-users list, the thread index and viewing context, pending ticket approvals and
 * kept triage cards, and their MCP sign-ins (tokens and links), and their questions kept for the knowledge-gaps digest. Kept: Slack's own messages, the bot's answers in shared threads, and the usage counters: they
 * are accounting (numbers under a one-way hash of the id, no content), and deleting them would reset the limits.
 */
export function forgetMeSubcommand(deps: PrivacyDeps): Subcommand {
  return {
    name: 'forget-me',
    description: (t) => t.t('subcommand.forget_me'),
    async run(ctx) {
      const threads = await deps.userState.threads(ctx.teamId, ctx.userId);
      let dms = 0;
      let shared = 0;
      let desk = 0;
      for (const key of threads) {
        if (await deps.desk?.forget(key, ctx.userId)) desk++;
        if (key.channel.startsWith('D')) {
          if (await deps.threads.has(key)) dms++;
          await deps.threads.clear(key);
        } else if ((await deps.threads.redactPerson(key, ctx.userId)) > 0) shared++;
      }
      const votes = await deps.feedback.forgetUser(ctx.teamId, ctx.userId);
      await deps.usage.forgetUser(ctx.teamId, ctx.userId);
      await deps.userState.forget(ctx.teamId, ctx.userId);
      const pending = await deps.pending.deleteWhere((raw) => ownedBy(raw, ctx.teamId, ctx.userId));
      const signIns = (await deps.signIns?.deleteWhere((raw) => ownedBy(raw, ctx.teamId, ctx.userId))) ?? 0;
      const audited = await deps.audit.forgetPerson(ctx.teamId, ctx.userId);
      const settingsChanges = await deps.overrides.forgetPerson(ctx.userId);
      const approvedAnswers = (await deps.approved?.forgetEditor(ctx.teamId, ctx.userId)) ?? 0;
      const gaps = (await deps.gaps?.forgetPerson(ctx.userId)) ?? 0;
      deps.log.info(
        { dm_threads: dms, shared_threads: shared, desk_threads: desk, votes, pending, audited, sign_ins: signIns },
        'forget-me done',
      );
      // The one record kept about them: that they asked, and what went (accountability for the deletion itself).
      await deps.audit.record({
        teamId: ctx.teamId,
        action: 'forget_me',
        actor: ctx.userId,
        outcome: 'done',
        detail: {
          dm_threads: dms,
          shared_threads: shared,
          votes,
          pending,
          desk_threads: desk,
          sign_ins: signIns,
          audit_records: audited,
          settings_changes: settingsChanges,
          approved_answers: approvedAnswers,
          gap_questions: gaps,
        },
      });
      const t = ctx.t;
      return [
        t.t('reply.forget_me.title'),
        t.t('reply.forget_me.dms', { count: dms }),
        t.t('reply.forget_me.shared', { count: shared }),
        t.t('reply.forget_me.votes', { count: votes }),
        ...(deps.desk ? [t.t('reply.forget_me.desk', { count: desk })] : []),
        t.t('reply.forget_me.pending', { count: pending }),
        ...(signIns ? [t.t('reply.forget_me.sign_ins', { count: signIns })] : []),
        t.t('reply.forget_me.audit', { count: audited }),
        ...(approvedAnswers ? [t.t('reply.forget_me.approved', { count: approvedAnswers })] : []),
        ...(gaps ? [t.t('reply.forget_me.gaps', { count: gaps })] : []),
        t.t('reply.forget_me.kept_usage'),
        t.t('reply.forget_me.kept_slack'),
      ].join('\n');
    },
  };
}
