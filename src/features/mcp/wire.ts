import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { resolveCompat } from '../../config/compat.js';
import { type Env, secretBoxFor } from '../../config/env.js';
import type { FileConfig } from '../../config/file-schema.js';
import type { TurnQueue } from '../../platform/queue/types.js';
import { mrkdwn, slackLink } from '../../platform/slack/mrkdwn.js';
import type { SlackReceiver } from '../../platform/slack/receiver/slack-receiver.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import type { AuditLog } from '../../platform/store/audit-log.js';
import type { Stores } from '../../platform/store/types.js';
import type { ConversationTools } from '../tools/sessions.js';
import { registerMcpApprovalHandlers } from './approval-actions.js';
import { SlackMcpApprovalCards } from './approval-card.js';
import { McpApprovals, type PendingMcpWrite } from './approvals.js';
import { signInRoute } from './sign-in-route.js';
import { FLOW_TTL_SECONDS, type SignInOptions, SignInStore } from './sign-ins.js';
import { McpToolbox } from './toolbox.js';

export interface McpSetupDeps {
  env: Env;
  file: FileConfig;
  /** Values of the environment variables mcp.servers names. */
  secrets: Record<string, string>;
  stores: Stores;
  workspaces: SlackWorkspaces;
  /** The asker's language for their approval cards. */
  languages: UserLanguages;
  log: Logger;
}

export interface McpSetup {
  toolbox: McpToolbox;
  approvals: McpApprovals;
  signIns?: { store: SignInStore; options: SignInOptions };
}

/** The MCP servers' toolbox (before the tools feature, which offers its tools), or nothing without servers. */
export function setup(deps: McpSetupDeps): McpSetup | undefined {
  const { file, log } = deps;
  if (!file.mcp.servers.length) return undefined;
  const clientFor = async (teamId: string) => (await deps.workspaces.forTeam(teamId)).client;
  const approvals = new McpApprovals(
    deps.stores.approvals,
    new SlackMcpApprovalCards(clientFor, (teamId, userId) => deps.languages.of(teamId, userId)),
    file.tools.approval_ttl_minutes * 60,
  );
  const box = secretBoxFor(deps.env);
  // config/load.ts refuses per_user_oauth without a key and a public URL; both are present when a server needs them.
  const signIns = box ? new SignInStore(deps.stores.signIns, box) : undefined;
  const options = { publicUrl: deps.env.THREADWISE_PUBLIC_URL ?? '', secrets: deps.secrets };
  const toolbox = new McpToolbox({
    config: file.mcp,
    hosted: file.mcp.hosted ?? resolveCompat(file.openai.compat).hostedTools,
    secrets: deps.secrets,
    approvals,
    callTimeoutMs: file.tools.timeout_ms,
    ...(signIns
      ? {
          signIns: {
            store: signIns,
            options,
            sendLink: async (p, server, url) => {
              const [client, t] = await Promise.all([clientFor(p.teamId), deps.languages.of(p.teamId, p.userId)]);
              const minutes = Math.round(FLOW_TTL_SECONDS / 60);
              const label = t.t('mcp.sign_in_label', { server });
              await client.chat.postMessage({
                channel: p.userId,
                text: t.t('mcp.sign_in_link', {
                  server: mrkdwn`${server}`,
                  link: mrkdwn`${slackLink(url, label)}`,
                  minutes,
                }),
              });
            },
          },
        }
      : {}),
    log: log.child({ component: 'mcp' }),
  });
  log.info(
    {
      servers: file.mcp.servers.map((s) => ({ label: s.label, auth: s.auth, hosted: toolbox.isHosted(s) })),
    },
    'MCP servers configured',
  );
  return { toolbox, approvals, ...(signIns ? { signIns: { store: signIns, options } } : {}) };
}

export interface McpWireDeps {
  mcp: McpSetup;
  tools: ConversationTools;
  stores: Stores;
  queue: TurnQueue;
  receiver: SlackReceiver;
  workspaces: SlackWorkspaces;
  languages: UserLanguages;
  /** Where the decisions on approval cards are recorded. */
  audit: Pick<AuditLog, 'record'>;
  log: Logger;
}

/** The approval buttons of MCP writes, the hosted continuation, and the sign-in callback page. */
export function wire(app: App, deps: McpWireDeps): void {
  const { mcp, log } = deps;
  // The decision on a hosted call continues the thread through the turn queue, in order with its other turns.
  const continueHosted = async (a: PendingMcpWrite, approve: boolean): Promise<void> => {
    await deps.queue.enqueue({
      id: `mcp-approval:${a.id}`,
      key: { teamId: a.teamId, channel: a.channel, threadTs: a.threadTs },
      isDm: a.isDm,
      userId: a.userId,
      messageTs: (Date.now() / 1000).toFixed(6),
      text: '',
      receivedAt: Date.now(),
      origin: 'approval',
      approval: { requestId: a.hostedRequestId ?? '', approve },
    });
  };
  registerMcpApprovalHandlers(app, {
    approvals: mcp.approvals,
    tools: deps.tools,
    threads: deps.stores.threads,
    languages: deps.languages,
    continueHosted,
    audit: deps.audit,
    log: log.child({ component: 'mcp' }),
  });
  if (mcp.signIns)
    deps.receiver.addRoute(
      signInRoute({
        servers: mcp.toolbox.servers,
        store: mcp.signIns.store,
        options: mcp.signIns.options,
        signedIn: async (person, server) => {
          mcp.toolbox.dropPersonal(server, person);
          const [{ client }, t] = await Promise.all([
            deps.workspaces.forTeam(person.teamId),
            deps.languages.of(person.teamId, person.userId),
          ]);
          await client.chat.postMessage({
            channel: person.userId,
            text: t.t('mcp.signed_in', { server: mrkdwn`${server}` }),
          });
        },
        log: log.child({ component: 'mcp' }),
      }),
    );
}
