import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { clipMrkdwn, clipPlain, mention, mrkdwn } from '../../platform/slack/mrkdwn.js';
import { approvalControls } from '../tickets/approval-card.js';
import type { McpApprovalCards, PendingMcpWrite } from './approvals.js';

export const MCP_APPROVE_ACTION = 'tw_mcp_approve';
export const MCP_CANCEL_ACTION = 'tw_mcp_cancel';

/** Slack's section text limit (docs.slack.dev/reference/block-kit/blocks/section-block). */
const SECTION_TEXT = 3_000;

/** The call as proposed: the model's arguments are escaped so they cannot mention, link or ping anyone. */
function proposalBlocks(a: PendingMcpWrite): KnownBlock[] {
  const args = JSON.stringify(a.args, null, 2);
  return [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clipMrkdwn(
          mrkdwn`*${mention(a.userId)}, shall I run ${clipPlain(a.tool, 100)} on ${a.server}${a.hostedRequestId ? '' : ' as you'}?*`,
          SECTION_TEXT,
        ),
      },
    },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: clipMrkdwn(mrkdwn`*Arguments*\n${clipPlain(args, 2_500)}`, SECTION_TEXT) },
    },
  ];
}

export function mcpApprovalCardBlocks(a: PendingMcpWrite): KnownBlock[] {
  return [...proposalBlocks(a), ...approvalControls(a, { approve: MCP_APPROVE_ACTION, cancel: MCP_CANCEL_ACTION })];
}

export type McpCardOutcome = 'ran' | 'cancelled' | 'failed';

/** The card once decided: the proposal stays readable, the buttons are replaced by the outcome. */
export function resolvedMcpCardBlocks(a: PendingMcpWrite, outcome: McpCardOutcome): KnownBlock[] {
  const who = mention(a.userId);
  const text =
    outcome === 'ran'
      ? mrkdwn`✅ Approved by ${who}`
      : outcome === 'cancelled'
        ? mrkdwn`🚫 Cancelled by ${who}`
        : mrkdwn`⚠️ Approved by ${who}, but the call failed`;
  return [...proposalBlocks(a), { type: 'context', elements: [{ type: 'mrkdwn', text }] }];
}

/** Posts MCP approval cards into the thread the call came from. */
export class SlackMcpApprovalCards implements McpApprovalCards {
  constructor(private readonly clientFor: (teamId: string) => Promise<WebClient>) {}

  async post(a: PendingMcpWrite): Promise<void> {
    const client = await this.clientFor(a.teamId);
    await client.chat.postMessage({
      channel: a.channel,
      thread_ts: a.threadTs,
      text: mrkdwn`Approve running ${clipPlain(a.tool, 100)} on ${a.server}?`,
      blocks: mcpApprovalCardBlocks(a),
    });
  }
}
