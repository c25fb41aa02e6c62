import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Translator } from '../../i18n/translators.js';
import { clipMrkdwn, clipPlain, mention, mrkdwn } from '../../platform/slack/mrkdwn.js';
import { approvalControls } from '../tickets/approval-card.js';
import type { McpApprovalCards, PendingMcpWrite } from './approvals.js';

export const MCP_APPROVE_ACTION = 'tw_mcp_approve';
export const MCP_CANCEL_ACTION = 'tw_mcp_cancel';

/** Slack's section text limit (docs.slack.dev/reference/block-kit/blocks/section-block). */
const SECTION_TEXT = 3_000;

/** The call as proposed: the model's arguments are escaped so they cannot mention, link or ping anyone. */
function proposalBlocks(t: Translator, a: PendingMcpWrite): KnownBlock[] {
  const args = JSON.stringify(a.args, null, 2);
  return [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clipMrkdwn(
          t.t('approval.ask_tool', {
            user: mrkdwn`${mention(a.userId)}`,
            tool: mrkdwn`${clipPlain(a.tool, 100)}`,
            server: mrkdwn`${a.server}`,
            asYou: String(!a.hostedRequestId),
          }),
          SECTION_TEXT,
        ),
      },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clipMrkdwn(t.t('approval.arguments', { args: mrkdwn`${clipPlain(args, 2_500)}` }), SECTION_TEXT),
      },
    },
  ];
}

/** The card in the asker's language: only they can approve it. */
export function mcpApprovalCardBlocks(t: Translator, a: PendingMcpWrite): KnownBlock[] {
  return [
    ...proposalBlocks(t, a),
    ...approvalControls(t, a, { approve: MCP_APPROVE_ACTION, cancel: MCP_CANCEL_ACTION }),
  ];
}

export type McpCardOutcome = 'ran' | 'cancelled' | 'failed';

/** The card once decided: the proposal stays readable, the buttons are replaced by the outcome. */
export function resolvedMcpCardBlocks(t: Translator, a: PendingMcpWrite, outcome: McpCardOutcome): KnownBlock[] {
  const user = mrkdwn`${mention(a.userId)}`;
  const text =
    outcome === 'ran'
      ? t.t('approval.tool_ran', { user })
      : outcome === 'cancelled'
        ? t.t('approval.cancelled', { user })
        : t.t('approval.tool_failed', { user });
  return [...proposalBlocks(t, a), { type: 'context', elements: [{ type: 'mrkdwn', text }] }];
}

/** Posts MCP approval cards into the thread the call came from. */
export class SlackMcpApprovalCards implements McpApprovalCards {
  constructor(
    private readonly clientFor: (teamId: string) => Promise<WebClient>,
    private readonly languageOf: (teamId: string, userId: string) => Promise<Translator>,
  ) {}

  async post(a: PendingMcpWrite): Promise<void> {
    const [client, t] = await Promise.all([this.clientFor(a.teamId), this.languageOf(a.teamId, a.userId)]);
    await client.chat.postMessage({
      channel: a.channel,
      thread_ts: a.threadTs,
      text: t.t('approval.tool_fallback', { tool: mrkdwn`${clipPlain(a.tool, 100)}`, server: mrkdwn`${a.server}` }),
      blocks: mcpApprovalCardBlocks(t, a),
    });
  }
}
