import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { type Phrase, say } from '../../i18n/phrase.js';
import { neutraliseMarkdown } from '../../platform/slack/markdown-guard.js';
import { mention, mrkdwn, plainPreview } from '../../platform/slack/mrkdwn.js';
import {
  type ButtonClick,
  buttonClickSchema,
  channelOf,
  refuseUnusable,
  teamOf,
} from '../../platform/slack/payloads.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { AuditLog } from '../../platform/store/audit-log.js';
import type { ThreadItem, ThreadStore } from '../../turn/thread.js';
import type { ConversationTools } from '../tools/sessions.js';
import { MCP_APPROVE_ACTION, MCP_CANCEL_ACTION, type McpCardOutcome, resolvedMcpCardBlocks } from './approval-card.js';
import { approvedContext, type McpApprovals, type PendingMcpWrite } from './approvals.js';

/** A hosted approval is answered by continuing the thread's turn with the decision (see wire.ts). */
export type ContinueHosted = (approval: PendingMcpWrite, approve: boolean) => Promise<void>;

export interface McpApprovalHandlerDeps {
  approvals: McpApprovals;
  tools: ConversationTools;
  threads: ThreadStore;
  /** The clicker's language for the card and what only they see. */
  languages: UserLanguages;
  continueHosted: ContinueHosted;
  /** Every decision on a card is recorded, as for ticket approvals: who clicked, on whose call, and what came of it. */
  audit: Pick<AuditLog, 'record'>;
  log: Logger;
}

/** How much of a result the thread shows; the model gets the whole (capped) envelope. */
const PREVIEW_CHARS = 1_500;

function preview(result: unknown): string {
  const r = result as { result?: { content?: Array<{ type: string; text?: string }> } };
  const text = (r.result?.content ?? []).flatMap((c) => (c.type === 'text' && c.text ? [c.text] : [])).join('\n');
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}

/**
 * Approve / Cancel on an MCP write card. The decision is made server-side from the stored request (its asker, its
 * expiry, one click of many), never from the payload; an approved client-side call runs through the asker's tool
 * session (ToolSession.invoke: channel lists, timeout, output cap), a hosted one continues the model's turn.
 */
export function registerMcpApprovalHandlers(app: App, deps: McpApprovalHandlerDeps): void {
  const handle = async (click: ButtonClick, client: WebClient) => {
    const action = click.actions[0]!;
    const id = action.value ?? '';
    const channel = channelOf(click) ?? '';
    const cardTs = click.container?.message_ts;
    const clicker = { teamId: teamOf(click), userId: click.user.id };
    const approve = action.action_id === MCP_APPROVE_ACTION;
    const claim = await deps.approvals.claim(id, clicker);
    const t = await deps.languages.of(clicker.teamId, clicker.userId);
    const handled = (decision: string) => deps.log.info({ approval: id, decision }, 'MCP approval handled');
    const decision = { approval: id, action: approve ? 'approve' : 'cancel' };
    if (claim.kind === 'wrong_user')
      await deps.audit.record({
        teamId: clicker.teamId,
        action: 'approval',
        actor: clicker.userId,
        channel,
        decision: 'denied',
        rule: 'only the asker may approve their tool call',
        detail: decision,
      });
    if (claim.kind !== 'taken') {
      const text =
        claim.kind === 'wrong_user'
          ? t.t('approval.wrong_user_tool', { user: mrkdwn`${mention(claim.ownerId)}` })
          : t.t('approval.expired_tool');
      await client.chat.postEphemeral({ channel, user: clicker.userId, text });
      return handled(claim.kind);
    }
    const a = claim.approval;
    const key = { teamId: a.teamId, channel: a.channel, threadTs: a.threadTs };
    const decided = (outcome: string) =>
      deps.audit.record({
        ...key,
        action: 'approval',
        actor: clicker.userId,
        tool: a.name,
        decision: 'allowed',
        outcome,
        detail: { ...decision, server: a.server },
      });
    const updateCard = (outcome: McpCardOutcome, text: string) =>
      cardTs
        ? client.chat
            .update({
              channel: a.channel,
              ts: cardTs,
              text: plainPreview(text, 300),
              blocks: resolvedMcpCardBlocks(t, a, outcome),
            })
            .then(() => undefined)
            .catch((err: Error) => deps.log.warn({ err, approval: id }, 'could not update the approval card'))
        : Promise.resolve();

    if (a.hostedRequestId) {
      // The model's server holds the call: the decision goes back to it, and the answer continues in the thread.
      await updateCard(
        approve ? 'ran' : 'cancelled',
        t.t(approve ? 'approval.hosted_approved' : 'approval.hosted_cancelled'),
      );
      await deps.continueHosted(a, approve);
      await decided(approve ? 'approved_hosted' : 'cancelled');
      return handled(approve ? 'approved_hosted' : 'cancelled_hosted');
    }

    // In the deciding asker's language: posted in the thread and read by the model next turn.
    const names = { user: a.userName, tool: a.tool, server: a.server };
    let outcome: McpCardOutcome = 'cancelled';
    let text = t.t('approval.tool_outcome.cancelled', names);
    const items: ThreadItem[] = [];
    if (approve) {
      const { session } = await deps.tools.forTurn(approvedContext(a), deps.log.child({ component: 'tools' }));
      const ran = session
        ? await session.invoke(a.name, a.args)
        : {
            ok: false as const,
            userMessage: { key: 'approval.tool_outcome.gone', values: { server: a.server } } as Phrase,
          };
      if (ran.ok) {
        outcome = 'ran';
        const shown = preview(ran.result);
        text = [t.t('approval.tool_outcome.ran', names), shown].filter(Boolean).join('\n\n');
        // The model reads the real result next turn, as the asker's tool output and marked as untrusted data.
        const callId = `approved_${a.id}`;
        items.push(
          { type: 'function_call', callId, name: a.name, arguments: JSON.stringify(a.args) },
          { type: 'function_call_output', callId, output: ran.output, userId: a.userId },
        );
      } else {
        outcome = 'failed';
        text = t.t('approval.tool_outcome.failed', { ...names, error: say(t, ran.userMessage).replace(/\.$/, '') });
      }
    }
    await updateCard(outcome, text);
    // The server's words are untrusted: neutralised on their way to Slack like every answer.
    const posted = await client.chat.postMessage({
      channel: a.channel,
      thread_ts: a.threadTs,
      markdown_text: neutraliseMarkdown(text),
    });
    await deps.threads.append(key, [
      ...items,
      {
        type: 'assistant',
        ts: posted.ts ? String(posted.ts) : undefined,
        text: outcome === 'ran' ? text.split('\n\n')[0]! : text,
      },
    ]);
    await decided(outcome);
    handled(outcome);
  };

  app.action(
    { type: 'block_actions', action_id: new RegExp(`^(${MCP_APPROVE_ACTION}|${MCP_CANCEL_ACTION})$`) },
    async ({ ack, body, client, respond }) => {
      await ack();
      const click = buttonClickSchema.safeParse(body);
      if (!click.success) return refuseUnusable('MCP approval click', click.error, respond, deps.log);
      void handle(click.data, client).catch((err) => deps.log.error({ err }, 'MCP approval click failed'));
    },
  );
}
