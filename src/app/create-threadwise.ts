import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/load.js';
import { channelSettings } from '../config/settings.js';
import { TOOL_NAMES, type ToolName } from '../config/tools-schema.js';
import { adminsFrom } from '../features/access/admins.js';
import * as access from '../features/access/wire.js';
import * as admin from '../features/admin/wire.js';
import { createModel, createOpenAIClient } from '../features/answering/turn-setup.js';
import * as answering from '../features/answering/wire.js';
import { AuditTrail } from '../features/audit/trail.js';
import * as audit from '../features/audit/wire.js';
import * as desk from '../features/desk/wire.js';
import * as home from '../features/home/wire.js';
import * as approved from '../features/knowledge/approved/wire.js';
import type { KnowledgeGaps, KnowledgeIndex } from '../features/knowledge/contracts.js';
import { earlierAnswers } from '../features/knowledge/earlier-answers.js';
import { createKnowledgeIndex } from '../features/knowledge/index/create-index.js';
import * as knowledgeSync from '../features/knowledge/sync/wire.js';
import * as lifecycle from '../features/lifecycle/wire.js';
import * as mcp from '../features/mcp/wire.js';
import { wireGaps } from '../features/offline/gaps/wire.js';
import * as privacy from '../features/privacy/wire.js';
import * as tickets from '../features/tickets/wire.js';
import * as tools from '../features/tools/wire.js';
import * as triage from '../features/triage/wire.js';
import { createLimiter } from '../features/usage/budget-wiring.js';
import { costOf, priceTable } from '../features/usage/prices.js';
import * as usage from '../features/usage/wire.js';
import { settlesWithin } from '../lib/deadline.js';
import { boltLogger } from '../platform/observability/bolt-logger.js';
import type { Logger } from '../platform/observability/logger.js';
import type { Metrics } from '../platform/observability/metrics.js';
import { OpenAIKeyCheck } from '../platform/openai/key-check.js';
import { searchClients } from '../platform/slack/real-time-search.js';
import { MemorySearchBudget, RedisSearchBudget } from '../platform/slack/search-budget.js';
import { createPlatform, type PlatformOptions } from './platform.js';
import { reloadSettings } from './settings-reload.js';
import { WarmUp } from './warm-up.js';

/** A thread no conversation has: warm-up reads it (and asks for its turn lock) without writing anything. */
/** How long one shutdown step after the turns (receiver, MCP sessions, stores) may take before the stop goes on. */
const STOP_STEP_MS = 3_000;
const WARM_UP_THREAD = { teamId: 'warm-up', channel: 'warm-up', threadTs: '0' };

export interface ThreadwiseOptions extends PlatformOptions {
  /** Milliseconds running turns get to finish on shutdown (default: queue.shutdown_grace_ms). */
  shutdownGraceMs?: number;
  /** Pause between checks of a refused OPENAI_API_KEY (default one minute). */
  keyCheckRetryMs?: number;
  /** Pause between model shutdown checks (default a day). */
  modelCheckIntervalMs?: number;
  /** Where questions the sources could not answer are kept for the gaps digest; absent: not kept. */
  knowledgeGaps?: KnowledgeGaps;
  /** The index the knowledge sources are synced into (default: the one built from the settings). */
  knowledgeIndex?: KnowledgeIndex;
}

export interface Threadwise {
  log: Logger;
  metrics: Metrics;
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

/** The composition root: the platform, then each feature wired onto it. The only place that knows them all. */
export async function createThreadwise(config: Config, options: ThreadwiseOptions = {}): Promise<Threadwise> {
  const p = await createPlatform(config, options);
  const { env, file, log, app, stores } = p;

  const { limiter, onHeaders } = createLimiter(file);
  const prices = priceTable(file.pricing);
  const model = createModel(env, file, log, {
    metrics: p.metrics,
    costOf: (m, u) => costOf(prices, m, u).usd,
    onHeaders,
  });
  const keyCheck = new OpenAIKeyCheck(
    createOpenAIClient(env, file),
    {
      model: channelSettings(file, env.OPENAI_MODEL, '', false).model,
      timeoutMs: 10_000,
      retryMs: options.keyCheckRetryMs ?? 60_000,
    },
    log.child({ component: 'openai' }),
  );
  p.readiness.openai_key = {
    ok: async () => keyCheck.state.status !== 'refused',
    detail: () => {
      const s = keyCheck.state;
      return s.status === 'refused' ? `OpenAI refused OPENAI_API_KEY (${s.detail})` : undefined;
    },
  };
  const warmUp = new WarmUp(
    [
      // The key check's first probe opens the connection to OpenAI that the first model call reuses.
      { name: 'openai', run: () => keyCheck.start() },
      { name: 'redis', run: () => Promise.all([p.queue.warmUp(), stores.threads.load(WARM_UP_THREAD)]) },
      // The client that writes answers (api.test changes nothing); in OAuth mode no workspace is known yet.
      ...(p.oauth ? [] : [{ name: 'slack', run: async () => (await p.workspaces.forTeam('')).client.api.test() }]),
    ],
    log.child({ component: 'warm-up' }),
  );
  p.readiness.warm_up = {
    ok: async () => warmUp.done,
    detail: () => (warmUp.done ? undefined : 'warming up the connections a turn uses'),
  };
  const admins = adminsFrom(p.settings, p.people);
  const gate = access.wire(app, {
    ...p,
    dedupe: stores.dedupe,
    dedupeTtlSeconds: file.state.dedupe_ttl_hours * 3600,
    ...(p.bot ? { botUserId: p.bot.userId } : {}),
  });
  const budget = usage.wire({ ...p, admins, model, limiter, prices });
  const guard = lifecycle.wire({
    ...p,
    alerts: budget.alerts,
    translators: p.languages.translators,
    // OAuth mode has no single workspace to DM admins in: the log, /readyz, App Home and the metric still warn.
    teams: () => (p.bot?.teamId ? [p.bot.teamId] : []),
    intervalMs: options.modelCheckIntervalMs,
  });
  // Before the tools and the desk: a hand-off or a search that finds nothing in the sources records a gap.
  const knowledgeGaps = wireGaps({
    ...p,
    openai: createOpenAIClient(env, file),
    prices,
    translators: p.languages.translators,
  });
  // Answers and hand-offs record into it, forget-me takes a person's questions out of it.
  const gaps = options.knowledgeGaps ?? knowledgeGaps.gaps;
  const trail = new AuditTrail(stores.audit, p.settings, log.child({ component: 'audit' }));
  const mcpSetup = mcp.setup({ ...p, secrets: config.mcpSecrets ?? {} });
  // Built only when there is knowledge to search or to save (Orama, the vector index, loads with it).
  const knowledgeIndex =
    options.knowledgeIndex ??
    (file.policies || file.knowledge.sources.length || file.knowledge.editors.length
      ? await createKnowledgeIndex({ ...p, openai: createOpenAIClient(env, file), prices })
      : undefined);
  const toolset = await tools.wire({ ...p, audit: trail, mcp: mcpSetup?.toolbox, knowledge: knowledgeIndex });
  tickets.wire(app, {
    approvals: toolset.approvals,
    threads: stores.threads,
    languages: p.languages,
    log,
    ...(toolset.provider
      ? {
          workObjects: {
            provider: toolset.provider,
            access: () => p.settings.current().access,
            people: p.people,
            workspaces: p.workspaces,
            translators: p.languages.translators,
            log,
          },
        }
      : {}),
  });
  // The sources feed the same index search_knowledge reads.
  const syncing = knowledgeIndex
    ? knowledgeSync.wire({ ...p, knowledgeEnv: config.knowledgeEnv ?? {}, index: knowledgeIndex, admins })
    : undefined;
  const deskStores = desk.createDeskStores(p);
  const earlier = earlierAnswers({
    enabled: () => p.settings.current().knowledge.slack_search,
    translators: p.languages.translators,
    budget: p.redis ? new RedisSearchBudget(p.redis, p.keys) : new MemorySearchBudget(),
    // Warnings only: the SDK's debug lines would carry what the search sent and found.
    searchClient: searchClients({
      slackApiUrl: env.SLACK_API_URL,
      logger: boltLogger(log.child({ component: 'slack-search' }, { level: 'warn' })),
    }),
  });
  const { answer } = answering.wire(app, {
    ...p,
    earlier,
    gate,
    budget,
    tools: toolset.sessions,
    gaps,
    quietThread: (key, userId) => desk.quietThread(deskStores, p.settings, key, userId),
  });
  const helpDesk = desk.wire(app, {
    ...p,
    gaps,
    audit: trail,
    desk: deskStores,
    limiter,
    budget,
    answer,
    admins,
    gate,
    tools: toolset.sessions,
  });
  triage.wire(app, { ...p, gate, limiter, budget, tools: toolset.sessions });
  const approvedAnswers = approved.wire(app, {
    ...p,
    openai: createOpenAIClient(env, file),
    limiter,
    budget,
    audit: trail,
    resolvedDeskThread: async (key) => (await deskStores.store.get(key))?.state === 'resolved',
    ...(knowledgeIndex ? { knowledge: knowledgeIndex } : {}),
    // Home is wired below with this feature's section; a Delete click comes long after.
    refreshHome: (client, teamId, userId) => appHome.publish(client, teamId, userId),
  });
  if (mcpSetup) mcp.wire(app, { ...p, mcp: mcpSetup, tools: toolset.sessions, audit: trail });
  audit.wire({ audit: stores.audit, admins, people: p.people, commands: p.commands });
  const governing = admin.wire(app, {
    settings: p.settings,
    overrides: stores.overrides,
    envModel: env.OPENAI_MODEL,
    // The registry holds the built-ins; MCP tools come per turn and are switched per channel by mcp_servers.
    tools: toolset.registry.tools
      .map((t) => t.name)
      .filter((n): n is ToolName => (TOOL_NAMES as readonly string[]).includes(n)),
    admins,
    trail,
    client: async (teamId) => (await p.workspaces.forTeam(teamId)).client,
    commands: p.commands,
    languages: p.languages,
    log: log.child({ component: 'admin' }),
  });
  // Overrides saved from Slack apply from the first event; a Redis still starting only delays them to the refresh.
  await governing
    .load()
    .catch((err: Error) => log.warn({ err: { message: err.message } }, 'channel overrides not loaded yet'));
  privacy.wire({
    ...stores,
    usage: budget.usage,
    pending: stores.approvals,
    desk: deskStores.store,
    approved: approvedAnswers,
    gaps,
    signIns: stores.signIns,
    workspaces: p.workspaces,
    commands: p.commands,
    log,
  });
  const appHome = home.wire(app, {
    settings: p.settings,
    languages: p.languages,
    isAdmin: admins.includes,
    commands: p.commands,
    tools: toolset.registry,
    usage: budget.usage,
    sections: [helpDesk.homeSection, approvedAnswers.homeSection, ...(syncing ? [syncing.homeSection] : [])],
    overrides: () => stores.overrides.all(),
    modelWarnings: (t) => guard.warnings(t),
    log,
  });
  const reloader = reloadSettings({
    settings: p.settings,
    path: env.THREADWISE_CONFIG,
    log: log.child({ component: 'settings' }),
    tellAdmins: async (text) => {
      const teams = new Set([...(p.bot ? [p.bot.teamId] : []), ...gate.teams]);
      await Promise.all([...teams].map((t) => budget.alerts.tell(t, text)));
    },
  });
  p.commands.register(app);

  return {
    log,
    metrics: p.metrics,
    async start() {
      // Threadwise's receiver resolves with its HTTP server (PORT 0 picks a free port).
      const server = (await app.start(env.PORT)) as Server;
      const port = (server.address() as AddressInfo | null)?.port ?? env.PORT;
      p.queue.start();
      helpDesk.start();
      void knowledgeGaps.start();
      await syncing?.start();
      // In the background (events are answered meanwhile; /readyz waits for the warm-up): a slow or unreachable
      // OpenAI must not hold up answering Slack's handshake.
      void warmUp.run();
      void approvedAnswers.sync();
      void guard.start();
      log.info(
        { port, mode: p.socketMode ? 'socket' : 'http', oauth: p.oauth, durable_queue: Boolean(p.redis) },
        'threadwise is listening',
      );
      return { port };
    },
    /**
     * Graceful stop: new events are refused with 503 (Slack retries them, on another replica if there is one)
     * and /readyz fails, while running turns get the grace period to finish; then server and Redis close.
     */
    async stop() {
      p.draining.value = true;
      keyCheck.stop();
      reloader.close();
      governing.stop();
      guard.stop();
      const grace = options.shutdownGraceMs ?? file.queue.shutdown_grace_ms;
      const depth = p.queue.depth().catch(() => null);
      const unfinished = (await settlesWithin(depth, STOP_STEP_MS)) ? await depth : null;
      log.info({ grace_ms: grace, unfinished }, 'draining: refusing new events, letting running turns finish');
      // The queue refuses new turns at once; SLA timers stop alongside (one that falls due meanwhile waits in Redis),
      // and a running knowledge sync is stopped before it applies anything (the next tick, anywhere, redoes it).
      await Promise.all([p.queue.close(grace), helpDesk.close(), syncing?.close(), knowledgeGaps.close()]);
      // Each remaining step is bounded: a receiver or connection that never answers must not keep the process up.
      const step = async (name: string, work: () => Promise<unknown>) => {
        const done = work().catch((err) => log.warn({ err, step: name }, 'a shutdown step failed'));
        if (!(await settlesWithin(done, STOP_STEP_MS))) log.warn({ step: name }, 'a shutdown step overran; going on');
      };
      await step('receiver', () => app.stop());
      await step('mcp', async () => mcpSetup?.toolbox.close());
      await step('stores', () => stores.close());
      log.info('threadwise stopped');
    },
  };
}
