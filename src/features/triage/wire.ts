import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Env } from '../../config/env.js';
import type { FileConfig } from '../../config/file-schema.js';
import type { SettingsSource } from '../../config/live-settings.js';
import type { OpenAIRateLimiter } from '../../platform/openai/rate-limiter.js';
import type { JobRouter } from '../../platform/queue/job-router.js';
import type { TurnQueue } from '../../platform/queue/types.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import type { Stores } from '../../platform/store/types.js';
import type { QuotaPort } from '../../turn/ports.js';
import type { ChannelGate } from '../access/gate.js';
import { createOpenAIClient } from '../answering/turn-setup.js';
import { redactOptionsFrom } from '../privacy/pii/redacting-model.js';
import type { ConversationTools } from '../tools/sessions.js';
import { limitedTriage } from './limited-triage.js';
import { openAITriage } from './openai-triage.js';
import { registerTriageHandlers } from './triage-actions.js';
import { TRIAGE_OUTPUT_TOKENS, triageJob, triageMessage } from './triage-flow.js';

export interface TriageFeatureDeps {
  env: Env;
  file: FileConfig;
  settings: SettingsSource;
  workspaces: SlackWorkspaces;
  languages: UserLanguages;
  stores: Stores;
  queue: TurnQueue;
  jobs: JobRouter;
  limiter: OpenAIRateLimiter;
  budget: { quota: QuotaPort };
  /** The conversation's tools: the card's button proposes a ticket through create_ticket, where the channel allows it. */
  tools: ConversationTools;
  gate: Pick<ChannelGate, 'admission' | 'refusal'>;
  log: Logger;
}

/**
 * "Triage this": a durable queued job like a question (it survives a crash and waits its thread's turn) that
 * classifies the message with Structured Outputs into a card, whose "Create ticket" button goes through approval.
 */
export function wire(app: App, deps: TriageFeatureDeps): void {
  const { env, file, stores, log } = deps;
  const triage = limitedTriage(
    openAITriage(
      createOpenAIClient(env, file),
      {
        maxOutputTokens: TRIAGE_OUTPUT_TOKENS,
        timeoutMs: file.openai.request_timeout_ms,
        maxRetries: file.openai.max_retries,
        redact: redactOptionsFrom(file.privacy),
        ...(file.openai.reasoning_effort ? { reasoningEffort: file.openai.reasoning_effort } : {}),
      },
      log.child({ component: 'triage' }),
    ),
    deps.limiter,
    TRIAGE_OUTPUT_TOKENS,
  );
  const flow = {
    settings: deps.settings,
    envModel: env.OPENAI_MODEL,
    workspaces: deps.workspaces,
    languages: deps.languages,
    triage,
    kept: stores.approvals,
    threads: stores.threads,
    ticketsIn: (where: { channel: string; isDm: boolean }) => deps.tools.offers('create_ticket', where),
    quota: deps.budget.quota,
    log,
  };
  deps.jobs.handle('triage', (job) =>
    job.triage ? triageMessage(job.triage, flow) : Promise.reject(new Error('not a triage job')),
  );
  registerTriageHandlers(app, {
    enqueue: async (request) => {
      await deps.queue.enqueue(triageJob(request));
    },
    kept: stores.approvals,
    tools: deps.tools,
    lookups: async (teamId) => (await deps.workspaces.forTeam(teamId)).lookups,
    gate: deps.gate,
    languages: deps.languages,
    log,
  });
}
