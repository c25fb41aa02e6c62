import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseStored } from '../../lib/stored-json.js';
import type { McpWrite } from '../../platform/mcp/mcp-tools.js';
import type { ApprovalStore } from '../../platform/store/types.js';
import type { ToolContext } from '../../platform/tools/types.js';
import { type Claim, claimApproval, openApproval } from '../tickets/approvals.js';

const pendingSchema = z.object({
  id: z.string(),
  kind: z.literal('mcp'),
  teamId: z.string(),
  channel: z.string(),
  threadTs: z.string(),
  isDm: z.boolean(),
  userId: z.string(),
  userName: z.string(),
  userEmail: z.string().optional(),
  server: z.string(),
  name: z.string(),
  tool: z.string(),
  args: z.record(z.string(), z.unknown()),
  /** Set when the model's server (hosted MCP) asked: the mcp_approval_request item's id the answer refers to. */
  hostedRequestId: z.string().optional(),
  expiresAt: z.number(),
});
export type PendingMcpWrite = z.infer<typeof pendingSchema>;

/** Shows a pending write to its asker (the Slack card); the approval is only valid once shown. */
export interface McpApprovalCards {
  post(approval: PendingMcpWrite): Promise<void>;
}

/**
 * MCP writes that need a human, whichever side calls the server: Threadwise itself (client path: the click runs the
 * call) or the model's server (hosted: the click is sent back as an mcp_approval_response). Kept in the same
 * approval store as ticket approvals, so forget-me, expiry and the one-click rule hold for both.
 */
export class McpApprovals {
  constructor(
    private readonly store: ApprovalStore,
    private readonly cards: McpApprovalCards,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  async request(ctx: ToolContext, write: McpWrite, hostedRequestId?: string): Promise<PendingMcpWrite> {
    const approval: PendingMcpWrite = {
      id: randomBytes(12).toString('hex'),
      kind: 'mcp',
      teamId: ctx.teamId,
      channel: ctx.channel,
      threadTs: ctx.threadTs,
      isDm: ctx.isDm,
      userId: ctx.user.id,
      userName: ctx.user.name,
      ...(ctx.user.email ? { userEmail: ctx.user.email } : {}),
      ...write,
      ...(hostedRequestId ? { hostedRequestId } : {}),
      expiresAt: this.now() + this.ttlSeconds * 1000,
    };
    return openApproval(this.store, this.cards, approval, this.ttlSeconds);
  }

  claim(id: string, clicker: { teamId: string; userId: string }): Promise<Claim<PendingMcpWrite>> {
    return claimApproval(this.store, (raw) => parseStored(pendingSchema, raw), id, clicker);
  }
}

/** The asker's context, as it was when the model asked, with the click's approval bound in. */
export function approvedContext(a: PendingMcpWrite): ToolContext {
  return {
    teamId: a.teamId,
    channel: a.channel,
    threadTs: a.threadTs,
    isDm: a.isDm,
    user: { id: a.userId, name: a.userName, ...(a.userEmail ? { email: a.userEmail } : {}) },
    approvedBy: a.id,
  };
}
