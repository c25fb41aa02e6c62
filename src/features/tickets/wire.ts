import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { ThreadStore } from '../../turn/thread.js';
import { registerApprovalHandlers } from './approval-actions.js';
import type { TicketApprovals } from './approvals.js';
import { registerWorkObjectHandlers, type WorkObjectDeps } from './work-objects.js';

/**
 * Tickets proposed by the model or a triage card (the Approve / Cancel buttons only the asker may use), and tickets
 * as Work Objects (pasted links unfurl; their details follow the access rules) when a ticket system is configured.
 */
export function wire(
  app: App,
  deps: {
    approvals?: TicketApprovals;
    threads: ThreadStore;
    languages: UserLanguages;
    log: Logger;
    workObjects?: WorkObjectDeps;
  },
): void {
  if (deps.approvals)
    registerApprovalHandlers(app, {
      approvals: deps.approvals,
      threads: deps.threads,
      languages: deps.languages,
      log: deps.log,
    });
  if (deps.workObjects) registerWorkObjectHandlers(app, deps.workObjects);
}
