import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SettingsSource } from '../../config/live-settings.js';
import type { Translator } from '../../i18n/translators.js';
import type { Subcommand } from '../../platform/slack/command-router.js';
import { issuesOf } from '../../platform/slack/payloads.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { ChannelOverride } from '../../platform/store/channel-overrides.js';
import type { ToolRegistry } from '../../platform/tools/runner.js';
import type { UsageStore } from '../usage/types.js';
import { type HomeSection, homePublisher } from './home-tab.js';

export interface HomeFeatureDeps {
  settings: SettingsSource;
  /** The viewer's language. */
  languages: UserLanguages;
  isAdmin: (teamId: string, userId: string) => Promise<boolean>;
  commands: { readonly command: string; list(): Subcommand[] };
  tools?: ToolRegistry;
  usage: UsageStore;
  /** Sections other features add for this viewer (the help desk's counts for admins). */
  sections?: HomeSection[];
  overrides?: () => Promise<Record<string, ChannelOverride>>;
  /** Model lifecycle warnings (shutdowns soon, models gone), shown to `limits.admins` only. */
  modelWarnings?: (t: Translator) => string[];
  log: Logger;
}

const homeOpenedSchema = z.looseObject({
  type: z.literal('app_home_opened'),
  user: z.string().min(1),
  tab: z.string().optional(),
});

/**
 * App Home: what this deployment offers, the commands, and the person's own usage. `publish` shows a person's tab
 * again after a change made on it (a Delete button).
 */
export function wire(app: App, deps: HomeFeatureDeps): { publish: ReturnType<typeof homePublisher> } {
  const publish = homePublisher(deps);
  app.event('app_home_opened', async ({ event, body, client }) => {
    const parsed = homeOpenedSchema.safeParse(event);
    if (!parsed.success) return deps.log.warn({ issues: issuesOf(parsed.error) }, 'ignoring malformed app_home_opened');
    // The Messages tab belongs to answering (suggested prompts).
    if (parsed.data.tab === 'messages') return;
    await publish(client, (body as { team_id?: string }).team_id ?? '', parsed.data.user).catch((err: Error) =>
      deps.log.warn({ err: { message: err.message }, tab: 'home' }, 'app home not prepared'),
    );
  });
  return { publish };
}
