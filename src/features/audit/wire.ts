import type { CommandRouter } from '../../platform/slack/command-router.js';
import type { PeopleDirectory } from '../../platform/slack/people.js';
import type { AuditLog } from '../../platform/store/audit-log.js';
import type { Admins } from '../access/admins.js';
import { auditSubcommand } from './audit-command.js';

/** `/threadwise audit` (the trail itself is written by the features that act: tools, approvals, admin, privacy). */
export function wire(deps: {
  audit: AuditLog;
  admins: Admins;
  people: PeopleDirectory;
  commands: CommandRouter;
}): void {
  deps.commands.add(auditSubcommand(deps));
}
