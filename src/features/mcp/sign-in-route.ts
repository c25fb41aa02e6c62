import type { ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { Logger } from 'pino';
import type { McpServerConfig } from '../../config/mcp-schema.js';
import {
  CALLBACK_PATH,
  finishSignIn,
  type Person,
  PersonOAuthProvider,
  type SignInOptions,
  type SignInStore,
} from './sign-ins.js';

export interface SignInRouteDeps {
  servers: readonly McpServerConfig[];
  store: SignInStore;
  options: SignInOptions;
  /** Tells the person in Slack that they are signed in (and drops their cached session). */
  signedIn(person: Person, server: string): Promise<void>;
  log: Logger;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><meta charset="utf-8"><title>Threadwise</title><p>${escapeHtml(text)}</p>\n`);
}

/**
 * Where the authorization server sends a person back: the flow is taken once by its state (so a replayed or
 * forged callback signs nobody in), and the code is exchanged with that flow's PKCE verifier for their tokens.
 */
export function signInRoute(deps: SignInRouteDeps): CustomRoute {
  const handle = async (url: URL, res: ServerResponse) => {
    const state = url.searchParams.get('state') ?? '';
    const flow = state ? await deps.store.takeFlow(state) : undefined;
    const server = flow && deps.servers.find((s) => s.label === flow.server);
    if (!flow || !server)
      return page(res, 400, 'This sign-in link has expired or was already used. Ask Threadwise again for a new one.');
    const person = { teamId: flow.teamId, userId: flow.userId };
    // Whatever happens now, the next question may send a fresh link.
    await deps.store.forgetLink(server.label, person);
    const code = url.searchParams.get('code');
    if (!code) {
      const why = url.searchParams.get('error') ?? 'no authorization code';
      deps.log.info({ server: server.label, error: why }, 'MCP sign-in refused');
      return page(
        res,
        400,
        `Signing in to ${server.label} did not complete (${why.slice(0, 100)}). Ask Threadwise again to retry.`,
      );
    }
    const provider = new PersonOAuthProvider(server, person, deps.store, deps.options, {
      state,
      verifier: flow.verifier,
    });
    const ok = await finishSignIn(provider, server.url, code);
    if (!ok) return page(res, 502, `${server.label} did not accept the sign-in. Ask Threadwise again to retry.`);
    deps.log.info({ server: server.label }, 'MCP sign-in completed');
    await deps
      .signedIn(person, server.label)
      .catch((err: Error) =>
        deps.log.warn({ err: { message: err.message } }, 'could not confirm the sign-in in Slack'),
      );
    page(res, 200, `You are signed in to ${server.label}. You can close this tab and ask Threadwise again in Slack.`);
  };
  return {
    path: CALLBACK_PATH,
    method: ['GET'],
    handler: (req, res) => {
      handle(new URL(req.url ?? '/', 'http://localhost'), res).catch((err: Error) => {
        deps.log.warn({ err: { message: err.message } }, 'MCP sign-in callback failed');
        if (!res.headersSent) page(res, 502, 'Signing in failed. Ask Threadwise again to retry.');
      });
    },
  };
}
