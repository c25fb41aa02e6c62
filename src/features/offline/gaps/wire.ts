import type OpenAI from 'openai';
import type { Logger } from 'pino';
import type { Env } from '../../../config/env.js';
import type { LiveSettings } from '../../../config/live-settings.js';
import { redisTarget } from '../../../config/redis-env.js';
import { channelSettings } from '../../../config/settings.js';
import type { Translators } from '../../../i18n/translators.js';
import { createDelayedJobs, type DelayedJobs } from '../../../platform/queue/delayed-jobs.js';
import type { SlackWorkspaces } from '../../../platform/slack/workspaces.js';
import type { StoreKeys } from '../../../platform/store/keys.js';
import type { RedisClient } from '../../../platform/store/redis-client.js';
import type { KnowledgeGaps } from '../../knowledge/contracts.js';
import { MemoryKnowledgeGaps, RedisKnowledgeGaps } from '../../knowledge/gaps.js';
import { redactOptionsFrom } from '../../privacy/pii/redacting-model.js';
import type { PriceTable } from '../../usage/prices.js';
import { type DigestJob, digestJobSchema, GapsDigest } from './digest-job.js';

export interface GapsWiring {
  env: Env;
  settings: LiveSettings;
  redis?: RedisClient;
  keys: StoreKeys;
  workspaces: SlackWorkspaces;
  /** Single-token mode: the workspace the digest is posted in (OAuth mode has no one workspace to post in). */
  bot?: { teamId: string };
  openai: OpenAI;
  prices: PriceTable;
  translators: Translators;
  log: Logger;
}

/** The gaps store (desk hand-offs and "not in the sources" record into it) and the weekly digest's jobs. */
export function wireGaps(w: GapsWiring): { gaps: KnowledgeGaps; start(): Promise<void>; close(): Promise<void> } {
  const log = w.log.child({ component: 'gaps' });
  const gaps = w.redis ? new RedisKnowledgeGaps(w.redis, w.keys) : new MemoryKnowledgeGaps();
  const teamId = w.bot?.teamId;
  let jobs: DelayedJobs<DigestJob> | undefined;
  const digest = new GapsDigest({
    settings: w.settings,
    gaps,
    openai: w.openai,
    model: () => channelSettings(w.settings.current(), w.env.OPENAI_MODEL, '', false).model,
    prices: w.prices,
    redact: () => redactOptionsFrom(w.settings.current().privacy),
    translators: w.translators,
    slack: async () => (await w.workspaces.forTeam(teamId ?? '')).client,
    jobs: () => jobs!,
    log,
  });
  jobs = createDelayedJobs((job: DigestJob) => digest.run(job), {
    redis: redisTarget(w.env),
    prefix: w.keys.bull,
    queueName: w.keys.gapsDigestQueue,
    schema: digestJobSchema,
    log,
  });
  return {
    gaps,
    async start() {
      jobs.start();
      if (!teamId) {
        if (w.settings.current().knowledge.gaps)
          log.warn('knowledge.gaps: the weekly digest is posted in single-workspace mode only (SLACK_BOT_TOKEN)');
        return;
      }
      await digest
        .start()
        .catch((err: Error) => log.warn({ err: { message: err.message } }, 'gaps digest not scheduled'));
    },
    close: () => jobs.close(),
  };
}
