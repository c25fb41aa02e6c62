import type { App } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type OpenAI from 'openai';
import type { Logger } from 'pino';
import type { FileConfig } from '../../../config/file-schema.js';
import type { SettingsSource } from '../../../config/live-settings.js';
import { channelSettings } from '../../../config/settings.js';
import type { OpenAIRateLimiter } from '../../../platform/openai/rate-limiter.js';
import type { PeopleDirectory } from '../../../platform/slack/people.js';
import type { UserLanguages } from '../../../platform/slack/user-languages.js';
import type { SlackWorkspaces } from '../../../platform/slack/workspaces.js';
import type { StoreKeys } from '../../../platform/store/keys.js';
import type { RedisClient } from '../../../platform/store/redis-client.js';
import type { QuotaPort } from '../../../turn/ports.js';
import type { ThreadKey } from '../../../turn/thread.js';
import type { AuditTrail } from '../../audit/trail.js';
import { redactOptionsFrom } from '../../privacy/pii/redacting-model.js';
import type { KnowledgeIndex } from '../contracts.js';
import { ApprovedAnswers } from './approved-answers.js';
import { approvedHomeSection, registerDeleteHandler } from './approved-home.js';
import { type ApprovedStore, createApprovedStore } from './approved-store.js';
import { limitedDrafter, openAIDrafter } from './draft.js';
import { registerSaveHandlers } from './save-actions.js';

export interface ApprovedFeatureDeps {
  /** The start-up settings: the drafting client's timeouts and retries. */
  file: FileConfig;
  settings: SettingsSource;
  env: { OPENAI_MODEL: string };
  /** The OpenAI client the draft is written with. */
  openai: OpenAI;
  limiter: OpenAIRateLimiter;
  budget: { quota: QuotaPort };
  people: Pick<PeopleDirectory, 'includes'>;
  workspaces: SlackWorkspaces;
  languages: Pick<UserLanguages, 'of'>;
  redis?: RedisClient;
  keys: StoreKeys;
  audit: Pick<AuditTrail, 'record'>;
  /** Whether a thread is a help-desk question its asker marked solved. */
  resolvedDeskThread: (key: ThreadKey) => Promise<boolean>;
  /** Where search finds approved answers; without one they are kept, listed and exported only. */
  knowledge?: KnowledgeIndex;
  /** Publishes a person's App Home again (after a delete). */
  refreshHome: (client: WebClient, teamId: string, userId: string) => Promise<void>;
  log: Logger;
}

/**
 * Answers people approved (issue 18.4): "Save as answer" for `knowledge.editors`, the built-in "approved" source in
 * Redis, its list with Delete on App Home, and the index kept in step (`sync` at start).
 */
export function wire(
  app: App,
  deps: ApprovedFeatureDeps,
): {
  homeSection: (teamId: string, userId: string) => Promise<KnownBlock[]>;
  sync(): Promise<void>;
  /** For forget-me: the answers a person saved stop naming them. */
  forgetEditor: ApprovedStore['forgetEditor'];
} {
  const log = deps.log.child({ component: 'approved-answers' });
  const store = createApprovedStore(deps);
  const answers = new ApprovedAnswers({
    store,
    ...(deps.knowledge ? { index: deps.knowledge } : {}),
    audit: deps.audit,
    log,
  });
  const editors = {
    includes: (teamId: string, userId: string) =>
      deps.people.includes(teamId, deps.settings.current().knowledge.editors, userId),
  };
  const drafter = limitedDrafter(
    openAIDrafter(
      deps.openai,
      {
        timeoutMs: deps.file.openai.request_timeout_ms,
        maxRetries: deps.file.openai.max_retries,
        redact: redactOptionsFrom(deps.file.privacy),
      },
      log,
    ),
    deps.limiter,
  );
  registerSaveHandlers(app, {
    editors,
    botUserId: async (teamId) => (await deps.workspaces.forTeam(teamId)).botUserId,
    resolvedDeskThread: deps.resolvedDeskThread,
    modelFor: (channel) =>
      channelSettings(deps.settings.current(), deps.env.OPENAI_MODEL, channel, channel.startsWith('D')).model,
    drafter,
    quota: deps.budget.quota,
    answers,
    languages: deps.languages,
    log,
  });
  const home = { editors, answers, languages: deps.languages, refreshHome: deps.refreshHome, log };
  registerDeleteHandler(app, home);
  return {
    homeSection: approvedHomeSection(home),
    forgetEditor: (teamId, userId) => store.forgetEditor(teamId, userId),
    // A Redis outage at start only delays it: the answers stay in the store, and the next start applies them.
    sync: () =>
      answers.sync().then(
        (n) => log.info(n, 'approved answers synced to the index'),
        (err: Error) => log.warn({ err: { message: err.message } }, 'approved answers not synced to the index'),
      ),
  };
}
