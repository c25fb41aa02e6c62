import type OpenAI from 'openai';
import type { Logger } from 'pino';
import type { FileConfig } from '../../../config/file-schema.js';
import type { Metrics } from '../../../platform/observability/metrics.js';
import { OpenAIEmbedder } from '../../../platform/openai/embeddings.js';
import type { StoreKeys } from '../../../platform/store/keys.js';
import type { RedisClient } from '../../../platform/store/redis-client.js';
import { costOf, type PriceTable } from '../../usage/prices.js';
import { MemoryDocumentStore, RedisDocumentStore } from './document-store.js';
import { createHybridIndex, type HybridKnowledgeIndex } from './hybrid-index.js';
import { MemoryVectorStore, RedisVectorStore } from './vector-store.js';

export interface KnowledgeIndexDeps {
  file: FileConfig;
  /** The client of OPENAI_BASE_URL (embeddings go where the answers go). */
  openai: OpenAI;
  redis?: RedisClient;
  keys: StoreKeys;
  metrics: Metrics;
  prices: PriceTable;
  log: Logger;
}

/**
 * The one knowledge index of this process: documents and vectors kept in Redis when there is one (shared by every
 * replica; else in memory), embeddings from `knowledge.embeddings.model` counted in the token and cost metrics
 * through the one price table. It starts with what the other replicas already synced.
 */
export async function createKnowledgeIndex(deps: KnowledgeIndexDeps): Promise<HybridKnowledgeIndex> {
  const { file, metrics, prices } = deps;
  const log = deps.log.child({ component: 'knowledge' });
  const settings = file.knowledge.embeddings;
  const embedder = settings.enabled
    ? new OpenAIEmbedder(
        deps.openai,
        {
          model: settings.model,
          ...(settings.dimensions ? { dimensions: settings.dimensions } : {}),
          attempts: file.openai.max_retries + 1,
          timeoutMs: file.openai.request_timeout_ms,
          onUsage: (model, tokens) => {
            metrics.tokens.inc({ kind: 'input' }, tokens);
            metrics.costUsd.inc(costOf(prices, model, { inputTokens: tokens, cachedTokens: 0, outputTokens: 0 }).usd);
          },
        },
        log,
      )
    : undefined;
  const index = await createHybridIndex({
    ...(embedder ? { embedder } : {}),
    vectors: deps.redis ? new RedisVectorStore(deps.redis, deps.keys) : new MemoryVectorStore(),
    documents: deps.redis
      ? new RedisDocumentStore(deps.redis, deps.keys, (source, id) =>
          log.warn({ source, id }, 'a shared knowledge document is not in a form this version reads; skipped'),
        )
      : new MemoryDocumentStore(),
    minSimilarity: settings.min_similarity,
    log,
  });
  // Redis still starting only delays this: the first search checks again.
  await index
    .refresh()
    .catch((err: Error) =>
      log.warn({ err: { message: err.message } }, 'could not load the shared knowledge documents'),
    );
  return index;
}
