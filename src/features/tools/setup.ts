import { isAbsolute, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Env } from '../../config/env.js';
import type { FileConfig } from '../../config/file-schema.js';
import { fixedSettings, type SettingsSource } from '../../config/live-settings.js';
import type { ToolName } from '../../config/tools-schema.js';
import type { PeopleDirectory } from '../../platform/slack/people.js';
import type { ApprovalStore } from '../../platform/store/types.js';
import { ToolRegistry, type TurnToolSource } from '../../platform/tools/runner.js';
import type { AnyTool } from '../../platform/tools/types.js';
import type { ModelTool } from '../../turn/ports.js';
import type { AuditTrail } from '../audit/trail.js';
import type { KnowledgeIndex, SourceDocument } from '../knowledge/contracts.js';
import { indexPoliciesFolder, POLICIES_SOURCE } from '../knowledge/folder-documents.js';
import { createHybridIndex } from '../knowledge/index/hybrid-index.js';
import { MemoryVectorStore } from '../knowledge/index/vector-store.js';
import { searchKnowledgeTool } from '../knowledge/search-knowledge.js';
import { FolderProvider } from '../knowledge/sources/folder.js';
import { type ApprovalCards, TicketApprovals } from '../tickets/approvals.js';
import { createTicketTool } from '../tickets/create-ticket.js';
import { lookupTicketTool } from '../tickets/lookup-ticket.js';
import { FileTicketProvider } from '../tickets/providers/file.js';
import { createTicketProvider } from '../tickets/providers/index.js';
import type { TicketProvider } from '../tickets/providers/types.js';
import { searchTicketsTool } from '../tickets/search-tickets.js';
import { ConversationTools } from './sessions.js';

/** `policies.dir` files are read up to this size, as the folder source of the same name is (max_file_mb 20). */
const POLICY_FILE_MAX_BYTES = 20 * 1_048_576;
/** Passages per search when `policies.max_passages` does not say. */
const DEFAULT_PASSAGES = 4;

export interface ToolSetup {
  registry: ToolRegistry;
  /** Tools per conversation, for turns and buttons alike. */
  sessions: ConversationTools;
  approvals?: TicketApprovals;
  provider?: TicketProvider;
}

export interface ToolSetupDeps {
  file: FileConfig;
  /** The settings as they are at each call (the file reloads); default: `file`, fixed. */
  settings?: SettingsSource;
  /** Resolves user groups in `access.agents`; without it only user ids count. */
  people?: Pick<PeopleDirectory, 'includes'>;
  /** Where each tool run is recorded. */
  audit?: Pick<AuditTrail, 'toolCall' | 'record'>;
  env: Env;
  /** Where relative paths in the config start: the config file's folder. */
  baseDir: string;
  approvalStore: ApprovalStore;
  cards: ApprovalCards;
  log: Logger;
  /** The MCP servers, whose tools each turn adds to the registry's. */
  mcp?: TurnToolSource;
  /** The one knowledge index (hybrid, vectors in Redis); absent: an in-memory BM25 index is made when needed. */
  knowledge?: KnowledgeIndex;
}

/** search_knowledge is offered when it has something to search: `policies.dir` or `knowledge.sources`. */
const knowledgeEnabled = (file: FileConfig) =>
  Boolean(file.policies || file.knowledge.sources.length) &&
  (!file.tools.enabled || file.tools.enabled.includes('search_knowledge'));

/** The files the tools read (the ticket file, the policy folder), loaded; or why each cannot be used. */
export interface ToolFiles {
  tickets?: { provider: FileTicketProvider; count: number };
  /** The documents of `policies.dir`. */
  policies?: SourceDocument[];
  problems: string[];
}

/**
 * Loads the files the settings name, collecting a problem per file instead of failing at the first, so start-up
 * can report them with every other settings problem before connecting anywhere.
 */
export async function loadToolFiles(file: FileConfig, baseDir: string): Promise<ToolFiles> {
  const out: ToolFiles = { problems: [] };
  const at = (path: string) => (isAbsolute(path) ? path : resolve(baseDir, path));
  if (file.tickets?.provider === 'file') {
    const provider = new FileTicketProvider(at(file.tickets.file));
    await provider.load().then(
      (tickets) => (out.tickets = { provider, count: tickets.length }),
      (err: Error) => out.problems.push(`tickets.file cannot be used: ${err.message}`),
    );
  }
  if (file.policies && knowledgeEnabled(file)) {
    const dir = at(file.policies.dir);
    // Read as the sync engine's folder source reads it (same ids and versions), so its first sync finds nothing new.
    const folder = new FolderProvider({ name: POLICIES_SOURCE, dir, maxFileBytes: POLICY_FILE_MAX_BYTES });
    await folder.changes(new Map(), AbortSignal.timeout(60_000)).then(
      (found) => (out.policies = found.upserts),
      (err: NodeJS.ErrnoException) =>
        out.problems.push(`policies.dir ${dir} cannot be read (${err.code ?? err.message})`),
    );
  }
  return out;
}

/** Builds every tool whose backend is configured (and enabled), checking files at startup rather than per call. */
export async function setupTools(deps: ToolSetupDeps): Promise<ToolSetup> {
  const { file, log } = deps;
  const enabled = (name: ToolName) => !file.tools.enabled || file.tools.enabled.includes(name);
  const tools: AnyTool[] = [];
  const hosted: ModelTool[] = [];
  let approvals: TicketApprovals | undefined;
  let provider: TicketProvider | undefined;

  const files = await loadToolFiles(file, deps.baseDir);
  if (files.problems.length) throw new Error(files.problems.join('; '));
  if (file.tickets) {
    provider = files.tickets?.provider ?? createTicketProvider(file.tickets, deps.env, deps.baseDir);
    if (files.tickets) log.info({ tickets: files.tickets.count }, 'ticket file loaded');
    const settings = deps.settings ?? fixedSettings(file);
    const access = () => settings.current().access;
    if (enabled('lookup_ticket')) tools.push(lookupTicketTool({ provider, access }));
    if (enabled('search_tickets')) tools.push(searchTicketsTool({ provider, access }));
    if (enabled('create_ticket')) {
      approvals = new TicketApprovals(
        deps.approvalStore,
        deps.cards,
        provider,
        {
          ttlSeconds: file.tools.approval_ttl_minutes * 60,
          timeoutMs: file.tickets.timeout_ms,
          ...(deps.audit ? { audit: deps.audit } : {}),
        },
        log.child({ component: 'approvals' }),
      );
      tools.push(createTicketTool({ approvals, access, defaultProject: file.tickets.default_project }));
    }
  }
  if (knowledgeEnabled(file)) {
    const index =
      deps.knowledge ??
      (await createHybridIndex({
        vectors: new MemoryVectorStore(),
        minSimilarity: file.knowledge.embeddings.min_similarity,
        log: log.child({ component: 'knowledge' }),
      }));
    if (files.policies) {
      const changes = await indexPoliciesFolder(index, files.policies);
      log.info({ documents: files.policies.length, indexed: changes.upserts.length }, 'policies indexed');
    }
    tools.push(searchKnowledgeTool({ index, maxPassages: file.policies?.max_passages ?? DEFAULT_PASSAGES }));
    if (file.policies?.vector_store_id)
      hosted.push({
        type: 'file_search',
        vectorStoreIds: [file.policies.vector_store_id],
        maxResults: file.policies.max_passages,
      });
  }
  const registry = new ToolRegistry(tools, hosted);
  return {
    registry,
    sessions: new ConversationTools(
      registry,
      deps.settings ?? fixedSettings(file),
      deps.env.OPENAI_MODEL,
      deps.people,
      deps.audit,
      deps.mcp,
    ),
    approvals,
    provider,
  };
}
