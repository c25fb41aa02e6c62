import type { Logger } from 'pino';
import type { Env } from '../../config/env.js';
import type { FileConfig } from '../../config/file-schema.js';
import type { SettingsSource } from '../../config/live-settings.js';
import type { PeopleDirectory } from '../../platform/slack/people.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import type { Stores } from '../../platform/store/types.js';
import type { TurnToolSource } from '../../platform/tools/runner.js';
import type { AuditTrail } from '../audit/trail.js';
import type { KnowledgeIndex } from '../knowledge/contracts.js';
import { SlackApprovalCards } from '../tickets/approval-card.js';
import { setupTools, type ToolSetup } from './setup.js';

export interface ToolsFeatureDeps {
  env: Env;
  file: FileConfig;
  settings: SettingsSource;
  people: PeopleDirectory;
  audit: AuditTrail;
  baseDir: string;
  workspaces: SlackWorkspaces;
  /** The asker's language for their approval cards. */
  languages: UserLanguages;
  stores: Stores;
  log: Logger;
  /** The MCP servers, when any are configured. */
  mcp?: TurnToolSource;
  /** The one knowledge index behind search_knowledge, when knowledge is configured. */
  knowledge?: KnowledgeIndex;
}

/**
 * The built-in tools this deployment offers (tickets, policies), checked at start-up; their approval buttons
 * are wired by the tickets feature.
 */
export async function wire(deps: ToolsFeatureDeps): Promise<ToolSetup> {
  const { workspaces, log } = deps;
  const tools = await setupTools({
    file: deps.file,
    settings: deps.settings,
    people: deps.people,
    audit: deps.audit,
    env: deps.env,
    baseDir: deps.baseDir,
    approvalStore: deps.stores.approvals,
    cards: new SlackApprovalCards(
      async (teamId) => (await workspaces.forTeam(teamId)).client,
      (teamId, userId) => deps.languages.of(teamId, userId),
    ),
    log: log.child({ component: 'tools' }),
    ...(deps.mcp ? { mcp: deps.mcp } : {}),
    ...(deps.knowledge ? { knowledge: deps.knowledge } : {}),
  });
  log.info({ tools: tools.registry.definitions.map((t) => (t.type === 'function' ? t.name : t.type)) }, 'tools ready');
  return tools;
}
