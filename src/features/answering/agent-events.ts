import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AssistantConfig } from '../../config/assistant-schema.js';
import type { Translator } from '../../i18n/translators.js';
import { issuesOf } from '../../platform/slack/payloads.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { UserStateStore } from '../../platform/store/user-state.js';
import { contextFromEntities } from './app-context.js';

export interface AssistantHandlerDeps {
  assistant: AssistantConfig;
  userState: UserStateStore;
  /** The opener's language for the default prompts (the configured ones are shown as written). */
  languages: Pick<UserLanguages, 'of' | 'translators'>;
  log: Logger;
  now?: () => number;
}

const homeOpenedSchema = z.looseObject({
  type: z.literal('app_home_opened'),
  // Only remembering what the person views needs them; the prompts need only the channel.
  user: z.string().min(1).optional(),
  channel: z.string().min(1),
  tab: z.enum(['home', 'messages']).optional(),
  context: z.looseObject({ entities: z.unknown().optional() }).optional(),
});

/** Slack's documented example has no `user`: the person is then the other member of the app's DM (`channel`). */
const contextChangedSchema = z.looseObject({
  type: z.literal('app_context_changed'),
  user: z.string().min(1).optional(),
  channel: z.string().min(1).optional(),
  context: z.looseObject({ entities: z.unknown().optional() }),
});

/** Whose app DM a channel is (conversations.info of an IM names its other member). */
async function dmUser(client: WebClient, channel: string): Promise<string | undefined> {
  const info = await client.conversations.info({ channel });
  const user = (info.channel as { user?: unknown } | undefined)?.user;
  return typeof user === 'string' && user ? user : undefined;
}

/** The prompts a deployment offers when it configures none, in the opener's language. */
export function defaultPrompts(t: Translator): Array<{ title: string; message: string }> {
  return [
    { title: t.t('messages_tab.what.title'), message: t.t('messages_tab.what.message') },
    { title: t.t('messages_tab.triage.title'), message: t.t('messages_tab.triage.message') },
  ];
}

interface Envelope {
  team_id?: string;
}

/**
 * The agent messaging experience: opening the Messages tab offers the configured prompts; what someone views in
 * Slack is kept (briefly) for their next question. Failures here are logged, never retried by Slack: they only cost a nicety.
 */
export function registerAssistantHandlers(app: App, deps: AssistantHandlerDeps): void {
  const ttl = deps.assistant.context_ttl_minutes * 60;
  const remember = async (teamId: string, userId: string, entities: unknown) => {
    const context = contextFromEntities(entities, deps.now?.() ?? Date.now());
    if (context) await deps.userState.setContext(teamId, userId, context, ttl);
  };

  app.event('app_home_opened', async ({ event, body, client }) => {
    const parsed = homeOpenedSchema.safeParse(event);
    if (!parsed.success) return deps.log.warn({ issues: issuesOf(parsed.error) }, 'ignoring malformed app_home_opened');
    const e = parsed.data;
    const teamId = (body as Envelope).team_id ?? '';
    // The Home tab belongs to the home feature.
    if (e.tab !== 'messages') return;
    try {
      if (e.user && e.context?.entities) await remember(teamId, e.user, e.context.entities);
      // Without a user (Slack's documented example has none) the defaults are in English, the fallback.
      const t = e.user ? await deps.languages.of(teamId, e.user) : deps.languages.translators.english;
      const prompts = deps.assistant.suggested_prompts ?? defaultPrompts(t);
      if (prompts.length)
        await client.assistant.threads.setSuggestedPrompts({
          channel_id: e.channel,
          title: deps.assistant.prompts_title ?? t.t('messages_tab.title'),
          prompts,
        });
    } catch (err) {
      deps.log.warn({ err: { message: (err as Error).message }, tab: 'messages' }, 'messages tab not prepared');
    }
  });

  app.event('app_context_changed', async ({ event, body, client }) => {
    const parsed = contextChangedSchema.safeParse(event);
    if (!parsed.success)
      return deps.log.warn({ issues: issuesOf(parsed.error) }, 'ignoring malformed app_context_changed');
    const e = parsed.data;
    try {
      const user = e.user ?? (e.channel ? await dmUser(client, e.channel) : undefined);
      if (!user) return deps.log.info('app_context_changed names neither a user nor their DM: context not kept');
      await remember((body as Envelope).team_id ?? '', user, e.context.entities);
    } catch (err) {
      deps.log.warn({ err: { message: (err as Error).message } }, 'viewing context not stored');
    }
  });
}
