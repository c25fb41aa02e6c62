import { isAbsolute, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Env } from '../../config/env.js';
import type { FileConfig } from '../../config/file-schema.js';
import type { ApprovalStore } from '../../platform/store/types.js';
import { ToolRegistry } from '../../platform/tools/runner.js';
import type { AnyTool } from '../../platform/tools/types.js';
import type { ModelTool } from '../../turn/ports.js';
import { PolicyIndex } from '../knowledge/policy-index.js';
import { searchPoliciesTool } from '../knowledge/search-policies.js';
import { type ApprovalCards, TicketApprovals } from '../tickets/approvals.js';
import { createTicketTool } from '../tickets/create-ticket.js';
import { lookupTicketTool } from '../tickets/lookup-ticket.js';
import { FileTicketProvider } from '../tickets/providers/file.js';
import { createTicketProvider } from '../tickets/providers/index.js';
import type { TicketProvider } from '../tickets/providers/types.js';
import { searchTicketsTool } from '../tickets/search-tickets.js';
import { ConversationTools } from './sessions.js';

export interface ToolSetup {
  registry: ToolRegistry;
  /** Tools per conversation, for turns and buttons alike. */
  sessions: ConversationTools;
  approvals?: TicketApprovals;
  provider?: TicketProvider;
}

export interface ToolSetupDeps {
  file: FileConfig;
  env: Env;
  /** Where relative paths in the config start: the config file's folder. */
  baseDir: string;
  approvalStore: ApprovalStore;
  cards: ApprovalCards;
  log: Logger;
}

/** Builds every tool whose backend is configured (and enabled), checking files at startup rather than per call. */
export async function setupTools(deps: ToolSetupDeps): Promise<ToolSetup> {
  const { file, log } = deps;
  const enabled = (name: AnyTool['name']) => !file.tools.enabled || file.tools.enabled.includes(name);
  const tools: AnyTool[] = [];
  const hosted: ModelTool[] = [];
  let approvals: TicketApprovals | undefined;
  let provider: TicketProvider | undefined;

  if (file.tickets) {
    provider = createTicketProvider(file.tickets, deps.env, deps.baseDir);
    if (provider instanceof FileTicketProvider) {
      const tickets = await provider.load().catch((err: Error) => {
        throw new Error(`tickets.file cannot be used: ${err.message}`);
      });
      log.info({ tickets: tickets.length }, 'ticket file loaded');
    }
    const access = file.access;
    if (enabled('lookup_ticket')) tools.push(lookupTicketTool({ provider, access }));
    if (enabled('search_tickets')) tools.push(searchTicketsTool({ provider, access }));
    if (enabled('create_ticket')) {
      approvals = new TicketApprovals(
        deps.approvalStore,
        deps.cards,
        provider,
        { ttlSeconds: file.tools.approval_ttl_minutes * 60, timeoutMs: file.tickets.timeout_ms },
        log.child({ component: 'approvals' }),
      );
      tools.push(createTicketTool({ approvals, access, defaultProject: file.tickets.default_project }));
    }
  }
  if (file.policies && enabled('search_policies')) {
    const dir = isAbsolute(file.policies.dir) ? file.policies.dir : resolve(deps.baseDir, file.policies.dir);
    const index = await PolicyIndex.load(dir).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`policies.dir ${dir} cannot be read (${err.code ?? err.message})`);
    });
    log.info({ documents: index.documents, passages: index.size }, 'policies indexed');
    tools.push(searchPoliciesTool({ index, maxPassages: file.policies.max_passages }));
    if (file.policies.vector_store_id)
      hosted.push({
        type: 'file_search',
        vectorStoreIds: [file.policies.vector_store_id],
        maxResults: file.policies.max_passages,
      });
  }
  const registry = new ToolRegistry(tools, hosted);
  return { registry, sessions: new ConversationTools(registry, file, deps.env.OPENAI_MODEL), approvals, provider };
}
