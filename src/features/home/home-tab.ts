import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { FileConfig } from '../../config/file-schema.js';
import type { SettingsSource } from '../../config/live-settings.js';
import type { Translator } from '../../i18n/translators.js';
import { type Subcommand, usageOf } from '../../platform/slack/command-router.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { ChannelOverride } from '../../platform/store/channel-overrides.js';
import type { ToolRegistry } from '../../platform/tools/runner.js';
import { utcDay, utcMonth } from '../usage/periods.js';
import type { UsageStore } from '../usage/types.js';
import { homeView } from './home-view.js';

/** What this deployment offers, from what is configured (tools, files), for the Home tab. */
function capabilities(t: Translator, file: FileConfig, tools?: ToolRegistry): string[] {
  const has = (name: string) => Boolean(tools?.get(name));
  return [
    t.t('home.capability.answer'),
    ...(file.files.images_per_turn > 0 ? [t.t('home.capability.files')] : []),
    ...(has('lookup_ticket') || has('search_tickets') ? [t.t('home.capability.tickets')] : []),
    ...(has('search_knowledge') ? [t.t('home.capability.knowledge')] : []),
    ...(has('create_ticket') ? [t.t('home.capability.create_ticket')] : []),
    t.t('home.capability.triage'),
    t.t('home.capability.summarize'),
  ];
}

/** Blocks a feature shows one viewer on App Home, in their language; none when it has nothing for them. */
export type HomeSection = (teamId: string, userId: string, t: Translator) => Promise<KnownBlock[]>;

export interface HomeDeps {
  /** The slash command and its subcommands, read when the tab is published (features add them while wired). */
  commands: { readonly command: string; list(): Subcommand[] };
  settings: SettingsSource;
  /** The viewer's language: the tab is written in it. */
  languages: UserLanguages;
  isAdmin: (teamId: string, userId: string) => Promise<boolean>;
  tools?: ToolRegistry;
  usage: UsageStore;
  sections?: HomeSection[];
  /** Channel settings admins changed from Slack, shown to admins with who changed what, when. */
  overrides?: () => Promise<Record<string, ChannelOverride>>;
  /** Model lifecycle warnings, shown to `limits.admins` only. */
  modelWarnings?: (t: Translator) => string[];
  log: Logger;
  now?: () => number;
}

/** Publishes the Home tab for one person; their usage is shown when the counters answer. */
export function homePublisher(deps: HomeDeps): (client: WebClient, teamId: string, userId: string) => Promise<void> {
  const { command } = deps.commands;
  return async (client, teamId, userId) => {
    const t = await deps.languages.of(teamId, userId);
    const commands = [
      ...deps.commands.list().map((s) => ({ usage: `${command} ${usageOf(s, t)}`, description: s.description(t) })),
      { usage: `${command} help`, description: t.t('home.all_commands') },
    ];
    const now = deps.now?.() ?? Date.now();
    const usage = await deps.usage
      .report({ teamId, userId, day: utcDay(now), month: utcMonth(now) }, 0)
      .catch((err: Error) => {
        deps.log.warn({ err: { message: err.message } }, 'usage for the home tab unavailable');
        return undefined;
      });
    const extra = (
      await Promise.all(
        (deps.sections ?? []).map((section) =>
          section(teamId, userId, t).catch((err: Error) => {
            deps.log.warn({ err: { message: err.message } }, 'a home tab section is unavailable');
            return [];
          }),
        ),
      )
    ).flat();
    const file = deps.settings.current();
    const exempt = await deps.isAdmin(teamId, userId);
    const overrides = exempt
      ? await deps.overrides?.().catch((err: Error) => {
          deps.log.warn({ err: { message: err.message } }, 'channel overrides for the home tab unavailable');
          return undefined;
        })
      : undefined;
    const dailyLimit = exempt ? undefined : file.limits.user_daily_tokens;
    const view = homeView(t, {
      userId,
      capabilities: capabilities(t, file, deps.tools),
      commands,
      ...(extra.length ? { extra } : {}),
      ...(usage ? { usage } : {}),
      ...(dailyLimit !== undefined ? { dailyLimit } : {}),
      ...(overrides ? { overrides } : {}),
      ...(exempt ? { modelWarnings: deps.modelWarnings?.(t) ?? [] } : {}),
    });
    await client.views.publish({ user_id: userId, view });
  };
}
