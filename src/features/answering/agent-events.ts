import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AssistantConfig } from '../../config/assistant-schema.js';
import { contextFromEntities } from './app-context.js';
import type { UserStateStore } from '../../platform/store/user-state.js';
import { issuesOf } from '../../platform/slack/payloads.js';

export interface AssistantHandlerDeps {
  assistant: AssistantConfig;
  userState: UserStateStore;
  /** Publishes the Home tab for a person (views.publish). */
  publishHome: (client: WebClient, teamId: string, userId: string) => Promise<void>;
  log: Logger;
  now?: () => number;
}

const homeOpenedSchema = z.looseObject({
  type: z.literal('app_home_opened'),
  user: z.string().min(1),
  channel: z.string().min(1),
  tab: z.enum(['home', 'messages']).optional(),
  context: z.looseObject({ entities: z.unknown().optional() }).optional(),
});

const contextChangedSchema = z.looseObject({
  type: z.literal('app_context_changed'),
  user: z.string().min(1),
  channel: z.string().optional(),
  context: z.looseObject({ entities: z.unknown().optional() }),
});

interface Envelope {
  team_id?: string;
}

/**
 * The agent messaging experience: opening the Messages tab offers the configured prompts; opening the Home tab
 * shows what the bot does and the person's usage; what someone views in Slack is kept (briefly) for their next
 * question. Failures here are logged, never retried by Slack: they only cost a nicety.
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
    try {
      if (e.tab === 'messages') {
        if (e.context?.entities) await remember(teamId, e.user, e.context.entities);
        const prompts = deps.assistant.suggested_prompts;
        if (prompts.length) await client.assistant.threads.setSuggestedPrompts({ channel_id: e.channel, title: deps.assistant.prompts_title, prompts });
      } else {
        await deps.publishHome(client, teamId, e.user);
      }
    } catch (err) {
      deps.log.warn({ err: { message: (err as Error).message }, tab: e.tab ?? 'home' }, 'app home not prepared');
    }
  });

  app.event('app_context_changed', async ({ event, body }) => {
    const parsed = contextChangedSchema.safeParse(event);
    if (!parsed.success) return deps.log.warn({ issues: issuesOf(parsed.error) }, 'ignoring malformed app_context_changed');
    await remember((body as Envelope).team_id ?? '', parsed.data.user, parsed.data.context.entities).catch((err: Error) =>
      deps.log.warn({ err: { message: err.message } }, 'viewing context not stored'),
    );
  });
}
