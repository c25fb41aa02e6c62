import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ThreadStore } from '../../turn/thread.js';
import { registerApprovalHandlers } from './approval-actions.js';
import type { TicketApprovals } from './approvals.js';

/** Tickets proposed by the model or a triage card: the Approve / Cancel buttons only the asker may use. */
export function wire(app: App, deps: { approvals?: TicketApprovals; threads: ThreadStore; log: Logger }): void {
  if (deps.approvals)
    registerApprovalHandlers(app, { approvals: deps.approvals, threads: deps.threads, log: deps.log });
}
