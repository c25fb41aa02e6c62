import { App, type Logger as BoltLogger, type CustomRoute, type InstallationStore } from '@slack/bolt';
import type { WebClientOptions } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Env } from '../../config/env.js';
import { everyInstallation, singleInstallationGate } from './receiver/installation-gate.js';
import { SlackReceiver } from './receiver/slack-receiver.js';

/** The bot scopes requested on install; kept in step with manifest.yml. */
export const BOT_SCOPES = [
  'app_mentions:read',
  'assistant:write',
  'chat:write',
  'commands',
  'channels:history',
  'channels:read',
  'groups:history',
  'groups:read',
  'im:history',
  'im:read',
  'im:write',
  'mpim:history',
  'mpim:read',
  'usergroups:read',
  'files:read',
  // Ticket links unfurl as Work Objects (link_shared, chat.unfurl).
  'links:read',
  'links:write',
  'users:read',
  'users:read.email',
  'reactions:read',
  'reactions:write',
  // knowledge.slack_search: Real-time Search of public channels as the asker.
  'search:read.public',
];

export interface SlackAppOptions {
  env: Env;
  log: Logger;
  slackLogger: BoltLogger;
  routes: CustomRoute[];
  clientOptions: WebClientOptions;
  /** Single-token mode: the one bot, and the workspace (and enterprise) it was installed in. */
  bot?: { token: string; userId: string; botId: string; teamId: string; enterpriseId?: string; appId?: string };
  /** OAuth mode: where installations live. */
  installationStore?: InstallationStore;
}

/** Slack redelivers an event after 3 s without an answer; the work before the ack gets 2 s of them. */
const ACK_DEADLINE_MS = 2_000;

/** Builds the Bolt app on Threadwise's receiver: HTTP or Socket Mode, one token or OAuth installations. */
export function buildSlackApp(o: SlackAppOptions): { app: App; receiver: SlackReceiver } {
  const { env } = o;
  const redirectUriPath = env.SLACK_REDIRECT_URL ? new URL(env.SLACK_REDIRECT_URL).pathname : '/slack/oauth_redirect';
  const receiver = new SlackReceiver({
    ...(env.SLACK_APP_TOKEN
      ? { socket: { appToken: env.SLACK_APP_TOKEN, slackApiUrl: env.SLACK_API_URL } }
      : { signingSecret: env.SLACK_SIGNING_SECRET! }),
    routes: o.routes,
    ...(o.installationStore
      ? {
          oauth: {
            provider: {
              clientId: env.SLACK_CLIENT_ID!,
              clientSecret: env.SLACK_CLIENT_SECRET!,
              stateSecret: env.SLACK_STATE_SECRET,
              installationStore: o.installationStore,
              logger: o.slackLogger,
              clientOptions: o.clientOptions,
              // Straight to Slack's consent screen; the install page would only hold a single button.
              directInstall: true,
            },
            installUrl: {
              scopes: BOT_SCOPES,
              ...(env.SLACK_REDIRECT_URL ? { redirectUri: env.SLACK_REDIRECT_URL } : {}),
            },
            installPath: '/slack/install',
            redirectUriPath,
          },
        }
      : {}),
    gate: o.bot
      ? singleInstallationGate(
          { teamId: o.bot.teamId, enterpriseId: o.bot.enterpriseId, appId: o.bot.appId },
          o.log.child({ component: 'slack' }),
        )
      : everyInstallation,
    ackDeadlineMs: ACK_DEADLINE_MS,
    slackLogger: o.slackLogger,
    log: o.log,
  });
  const identity = o.bot ? { token: o.bot.token, botId: o.bot.botId, botUserId: o.bot.userId } : {};
  const app = new App({ receiver, logger: o.slackLogger, clientOptions: o.clientOptions, ...identity });
  app.error(async (err) => {
    o.log.error({ err }, 'event handling failed');
    throw err;
  });
  return { app, receiver };
}
