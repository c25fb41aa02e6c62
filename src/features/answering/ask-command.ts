import type { Logger } from 'pino';
import type { Translator } from '../../i18n/translators.js';
import type { Subcommand } from '../../platform/slack/command-router.js';
import { resolveSlackMarkup } from '../../platform/slack/markup.js';
import { mention, mrkdwn } from '../../platform/slack/mrkdwn.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import type { ChannelGate } from '../access/gate.js';
import type { TurnRequest } from './start-turn.js';

/** "ask <question>", "ask <Frage>", "ask <質問>": the placeholder in the reader's words (outside ICU, which reads <…> as a tag). */
const askUsage = (t: Translator) => `ask <${t.t('reply.ask.placeholder')}>`;

/** Errors meaning the bot is not in the conversation the command was typed in. */
const NOT_HERE = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action']);

/**
 * `/threadwise ask <question>`: the bot posts the question as the root of a new thread (commands have no message
 * of their own) and answers it there, through the same queue and turn as a typed question.
 */
export function askSubcommand(deps: {
  workspaces: SlackWorkspaces;
  start: (r: TurnRequest) => Promise<void>;
  gate: Pick<ChannelGate, 'admission' | 'refusal'>;
  log: Logger;
}): Subcommand {
  return {
    name: 'ask',
    usage: askUsage,
    description: (t) => t.t('subcommand.ask'),
    async run(ctx) {
      const question = ctx.rest;
      if (!question) return ctx.t.t('reply.ask.empty', { usage: `/threadwise ${askUsage(ctx.t)}` });
      const where = {
        teamId: ctx.teamId,
        channel: ctx.channelId,
        isDm: ctx.channelId.startsWith('D'),
        userId: ctx.userId,
      };
      const admission = await deps.gate.admission(where);
      if (!admission.ok) return deps.gate.refusal(where, admission.rule);
      const { client, lookups, botUserId } = await deps.workspaces.forTeam(ctx.teamId);
      // The question is shown as its words ("@oncall", "@Grace"), escaped: only the asker's mention is live.
      const readable = await resolveSlackMarkup(question, lookups, { botUserId });
      let ts: string;
      try {
        const posted = await client.chat.postMessage({
          channel: ctx.channelId,
          text: ctx.t.t('reply.ask.asked', { user: mrkdwn`${mention(ctx.userId)}`, question: mrkdwn`${readable}` }),
          unfurl_links: false,
        });
        ts = String(posted.ts);
      } catch (err) {
        const code = (err as { data?: { error?: string } }).data?.error ?? '';
        if (NOT_HERE.has(code)) return ctx.t.t('reply.ask.cannot_post');
        throw err;
      }
      await deps.start({
        teamId: ctx.teamId,
        channel: ctx.channelId,
        threadTs: ts,
        messageTs: ts,
        userId: ctx.userId,
        text: question,
        origin: 'command',
      });
      return ctx.t.t('reply.ask.started');
    },
  };
}
