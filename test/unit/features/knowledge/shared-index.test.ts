import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { SourceDocument } from '../../../../src/features/knowledge/contracts.js';
import { RedisDocumentStore } from '../../../../src/features/knowledge/index/document-store.js';
import { createHybridIndex, type HybridKnowledgeIndex } from '../../../../src/features/knowledge/index/hybrid-index.js';
import { RedisVectorStore } from '../../../../src/features/knowledge/index/vector-store.js';
import type { Embedder } from '../../../../src/platform/openai/embeddings.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { testRedis } from '../../../support/test-redis.js';

const { redis, prefix } = testRedis();

const doc = (id: string, text: string, version = '1'): SourceDocument => ({
  id,
  title: id.replace(/\.md$/, ''),
  url: `https://wiki.example.com/${id}`,
  text,
  version,
});

/** A logger whose lines the test reads. */
function recordingLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, said: (msg: string) => lines.filter((l) => l.msg === msg) };
}

/** An embedder that records every text it was asked for (one word each to a dimension, so meaning can match). */
function countingEmbedder() {
  const asked: string[] = [];
  const embedder: Embedder = {
    space: 'counting/2',
    available: true,
    async embed(texts) {
      asked.push(...texts);
      return texts.map((t) => Float32Array.from([/parking|garage/i.test(t) ? 1 : 0.01, /badge/i.test(t) ? 1 : 0.01]));
    },
  };
  return { embedder, asked };
}

/**
 * Two (or more) replicas: each its own process-local index, all sharing one deployment prefix in Redis. `clock`
 * is every replica's time, so the one-second check of the shared generations is stepped, not waited for.
 */
function deployment(name: string) {
  const keys = storeKeys(`${prefix}${name}:`);
  const clock = { now: 1_000_000 };
  const replica = async (over: { embedder?: Embedder; log?: pino.Logger } = {}): Promise<HybridKnowledgeIndex> => {
    const log = over.log ?? pino({ level: 'silent' });
    return createHybridIndex({
      ...(over.embedder ? { embedder: over.embedder } : {}),
      vectors: new RedisVectorStore(redis, keys),
      documents: new RedisDocumentStore(redis, keys, (source, id) => log.warn({ source, id }, 'unreadable document')),
      minSimilarity: 0.5,
      now: () => clock.now,
      log,
    });
  };
  return { keys, clock, replica };
}

const ids = (hits: Array<{ documentId: string }>) => hits.map((h) => h.documentId);

describe('knowledge shared by every replica', () => {
  it('finds on one replica a document synced on another, once the one-second check comes round', async () => {
    const { clock, replica } = deployment('find');
    const a = await replica();
    const b = await replica();
    expect(await b.search('parking garage', { limit: 3 })).toEqual([]);

    await a.apply('wiki', { upserts: [doc('parking.md', '## Parking\n\nThe garage is on level -2.')], deletes: [] });
    expect(ids(await a.search('parking garage', { limit: 3 }))).toEqual(['parking.md']);
    // B checked the shared generations a moment ago: it searches what it holds until the check is due again.
    expect(await b.search('parking garage', { limit: 3 })).toEqual([]);
    clock.now += 1_000;
    const [hit] = await b.search('parking garage', { limit: 3 });
    expect(hit).toMatchObject({
      source: 'wiki',
      documentId: 'parking.md',
      section: 'Parking',
      url: 'https://wiki.example.com/parking.md',
    });
    expect(b.size).toMatchObject({ documents: 1, passages: 1 });
  });

  it('drops on every replica a document deleted on one, and replaces an edited one', async () => {
    const { clock, replica } = deployment('delete');
    const a = await replica();
    const b = await replica();
    await a.apply('wiki', {
      upserts: [doc('parking.md', '## Parking\n\nLevel -2.'), doc('badges.md', '## Badges\n\nAt reception.')],
      deletes: [],
    });
    expect(ids(await b.search('badges reception', { limit: 3 }))).toEqual(['badges.md']);

    await a.apply('wiki', {
      upserts: [doc('parking.md', '## Parking\n\nLevel -3 since the works.', '2')],
      deletes: ['badges.md'],
    });
    clock.now += 1_000;
    expect(await b.search('badges reception', { limit: 3 })).toEqual([]);
    const [parking] = await b.search('parking', { limit: 3 });
    expect(parking!.text).toBe('Level -3 since the works.');
    expect(b.size).toMatchObject({ documents: 1, passages: 1 });
  });

  it('gives the versions another replica synced to the next incremental sync, on any replica and after a restart', async () => {
    const { replica } = deployment('known');
    const a = await replica();
    await a.apply('wiki', { upserts: [doc('a.md', 'Alpha.', '7'), doc('b.md', 'Beta.', '3')], deletes: [] });
    await a.apply('wiki', { upserts: [], deletes: ['b.md'] });
    const b = await replica();
    expect(await b.known('wiki')).toEqual(new Map([['a.md', '7']]));
    expect(await b.known('elsewhere')).toEqual(new Map());

    // A replica started later holds everything at once after its start-up refresh.
    const later = await replica();
    await later.refresh();
    expect(later.size).toMatchObject({ documents: 1, passages: 1 });
  });

  it('ranks first on another replica an answer people approved on one, cited as approved', async () => {
    const { clock, replica } = deployment('approved');
    const a = await replica();
    const b = await replica();
    await a.apply('wiki', {
      upserts: [doc('parking.md', '## Parking\n\nParking is in the garage on level -2, parking badges at reception.')],
      deletes: [],
    });
    await b.search('parking', { limit: 3 });
    await a.apply(
      'approved',
      {
        upserts: [{ ...doc('answer-1', 'Park on level -3 while the works last.'), title: 'Where do I park?' }],
        deletes: [],
      },
      { approved: true },
    );
    clock.now += 1_000;
    const hits = await b.search('where do I park my car parking', { limit: 3 });
    expect(hits[0]).toMatchObject({ source: 'approved', documentId: 'answer-1', approved: true });
    expect(hits[1]).toMatchObject({ source: 'wiki', documentId: 'parking.md' });
    expect(hits[1]!.approved).toBeUndefined();
  });

  it('reuses on a reloading replica the vectors the syncing one stored, embedding only the question', async () => {
    const { replica } = deployment('vectors');
    const onA = countingEmbedder();
    const onB = countingEmbedder();
    const a = await replica({ embedder: onA.embedder });
    await a.apply('wiki', {
      upserts: [doc('parking.md', '## Parking\n\nLevel -2.'), doc('badges.md', '## Badges\n\nAt reception.')],
      deletes: [],
    });
    await a.idle();
    expect(onA.asked).toHaveLength(2);

    const b = await replica({ embedder: onB.embedder });
    await b.refresh();
    await b.idle();
    expect(b.size).toEqual({ documents: 2, passages: 2, embedded: 2 });
    // Found by meaning alone (no word in common): the reloaded vectors are searched.
    expect(ids(await b.search('where is the car garage', { limit: 3 }))).toEqual(['parking.md']);
    expect(onB.asked).toEqual(['where is the car garage']);
  });

  it('skips a shared document in a form this version cannot read, saying so, and loads the rest', async () => {
    const { keys, replica } = deployment('invalid');
    const a = await replica();
    await a.apply('wiki', { upserts: [doc('parking.md', '## Parking\n\nLevel -2.')], deletes: [] });
    // Written by another version of Threadwise: a field this one needs is missing.
    await redis
      .multi()
      .hset(keys.knowledgeDocuments('wiki'), 'old.md', JSON.stringify({ id: 'old.md', body: 'Badges at reception.' }))
      .hset(keys.knowledgeDocumentVersions('wiki'), 'old.md', '1')
      .hincrby(keys.knowledgeGenerations, 'wiki', 1)
      .exec();
    const { log, said } = recordingLog();
    const b = await replica({ log });
    await b.refresh();
    expect(b.size).toMatchObject({ documents: 1 });
    expect(ids(await b.search('parking', { limit: 3 }))).toEqual(['parking.md']);
    expect(said('unreadable document')).toEqual([expect.objectContaining({ source: 'wiki', id: 'old.md' })]);
  });

  it('keeps every key of the shared documents under the deployment prefix', async () => {
    const { replica } = deployment('prefix');
    const a = await replica();
    await a.apply('wiki', { upserts: [doc('a.md', 'Alpha.')], deletes: [] });
    const written = await redis.keys(`${prefix}prefix:*`);
    expect(written.sort()).toEqual(
      [
        `${prefix}prefix:{kdocs}:docs:wiki`,
        `${prefix}prefix:{kdocs}:generations`,
        `${prefix}prefix:{kdocs}:versions:wiki`,
      ].sort(),
    );
  });
});
