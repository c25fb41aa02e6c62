import type { CommandRouter } from '../../platform/slack/command-router.js';
import { forgetMeSubcommand, type PrivacyDeps, resetSubcommand } from './privacy-commands.js';

/** `/threadwise reset` and `/threadwise forget-me`. */
export function wire(deps: PrivacyDeps & { commands: CommandRouter }): void {
  deps.commands.add(resetSubcommand(deps), forgetMeSubcommand(deps));
}
