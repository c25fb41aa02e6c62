import {
  App,
  AuthorizationError,
  type Logger as BoltLogger,
  type CustomRoute,
  HTTPReceiver,
  type InstallationStore,
  SocketModeReceiver,
} from '@slack/bolt';
import type { WebClientOptions } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Env } from '../../config/env.js';
import { ackEventsAfterQueueing } from './socket-acks.js';

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
  'files:read',
  'users:read',
  'users:read.email',
];

export interface SlackAppOptions {
  env: Env;
  log: Logger;
  slackLogger: BoltLogger;
  routes: CustomRoute[];
  clientOptions: WebClientOptions;
  /** Single-token mode: the one bot. */
  bot?: { token: string; userId: string; botId: string };
  /** OAuth mode: where installations live. */
  installationStore?: InstallationStore;
}

/**
 * An event whose listeners failed (typically: it could not be queued because Redis is away or the process is
 * shutting down) is answered 503 with Retry-After, so Slack delivers it again instead of it being lost.
 */
async function retryLater({
  error,
  logger,
  response,
}: {
  error: Error;
  logger: BoltLogger;
  response: import('node:http').ServerResponse;
}): Promise<boolean> {
  if (response.headersSent) return false;
  if (error instanceof AuthorizationError) {
    response.writeHead(401).end();
    return true;
  }
  logger.warn(`event not taken on, asking Slack to retry: ${error.message}`);
  response.writeHead(503, { 'Retry-After': '5' }).end();
  return false;
}

/** Builds the Bolt app and its receiver: HTTP or Socket Mode, one token or OAuth installations. */
export function buildSlackApp(o: SlackAppOptions): { app: App; receiver: HTTPReceiver | SocketModeReceiver } {
  const { env } = o;
  const oauth = o.installationStore
    ? {
        clientId: env.SLACK_CLIENT_ID,
        clientSecret: env.SLACK_CLIENT_SECRET,
        stateSecret: env.SLACK_STATE_SECRET,
        scopes: BOT_SCOPES,
        installationStore: o.installationStore,
        ...(env.SLACK_REDIRECT_URL ? { redirectUri: env.SLACK_REDIRECT_URL } : {}),
      }
    : {};
  const installerOptions = {
    clientOptions: o.clientOptions,
    // Straight to Slack's consent screen; the install page would only hold a single button.
    directInstall: true,
    ...(env.SLACK_REDIRECT_URL ? { redirectUriPath: new URL(env.SLACK_REDIRECT_URL).pathname } : {}),
  };
  const receiver = env.SLACK_APP_TOKEN
    ? new SocketModeReceiver({
        appToken: env.SLACK_APP_TOKEN,
        logger: o.slackLogger,
        customRoutes: o.routes,
        ...oauth,
        installerOptions: { ...installerOptions, port: env.PORT },
      })
    : new HTTPReceiver({
        signingSecret: env.SLACK_SIGNING_SECRET!,
        endpoints: '/slack/events',
        customRoutes: o.routes,
        logger: o.slackLogger,
        // Listeners only filter, dedupe and enqueue (milliseconds); answering after them lets a failed enqueue
        // become a 5xx that Slack retries, instead of an acknowledged and lost question.
        processBeforeResponse: true,
        processEventErrorHandler: retryLater,
        ...oauth,
        installerOptions,
      });
  const identity = o.bot ? { token: o.bot.token, botId: o.bot.botId, botUserId: o.bot.userId } : {};
  const app = new App({ receiver, logger: o.slackLogger, clientOptions: o.clientOptions, ...identity });
  if (receiver instanceof SocketModeReceiver) ackEventsAfterQueueing(receiver, app, o.log);
  app.error(async (err) => {
    o.log.error({ err }, 'event handling failed');
    throw err;
  });
  return { app, receiver };
}
