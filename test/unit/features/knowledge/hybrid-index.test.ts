import OpenAI from 'openai';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SourceDocument } from '../../../../src/features/knowledge/contracts.js';
import { createHybridIndex, type HybridIndexDeps } from '../../../../src/features/knowledge/index/hybrid-index.js';
import { MemoryVectorStore, RedisVectorStore } from '../../../../src/features/knowledge/index/vector-store.js';
import { FolderProvider } from '../../../../src/features/knowledge/sources/folder.js';
import { type Embedder, OpenAIEmbedder } from '../../../../src/platform/openai/embeddings.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { FakeOpenAI } from '../../../fakes/openai-server.js';
import { testRedis } from '../../../support/test-redis.js';

/** The sample policies as the folder source reads them. */
const samplePolicies = async () =>
  (
    await new FolderProvider({ name: 'policies', dir: 'examples/policies', maxFileBytes: 1_048_576 }).changes(
      new Map(),
      AbortSignal.timeout(10_000),
    )
  ).upserts;

const { redis, prefix } = testRedis();

/** A logger whose lines the test reads. */
function recordingLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines, said: (msg: string) => lines.filter((l) => l.msg === msg) };
}

const doc = (id: string, text: string, over: Partial<SourceDocument> = {}): SourceDocument => ({
  id,
  title: id.replace(/\.md$/, ''),
  text,
  version: '1',
  ...over,
});

let fake: FakeOpenAI;
let baseURL: string;
beforeAll(async () => {
  fake = new FakeOpenAI();
  baseURL = await fake.start();
  return () => fake.close();
});

const client = () => new OpenAI({ apiKey: 'sk-test-fake', baseURL, maxRetries: 0 });
const embedderFor = (log: pino.Logger, sleep?: (ms: number) => Promise<void>) =>
  new OpenAIEmbedder(client(), { model: 'text-embedding-3-small', dimensions: 256, ...(sleep ? { sleep } : {}) }, log);

describe('knowledge index with BM25 alone', () => {
  const make = async (over: Partial<HybridIndexDeps> = {}) =>
    createHybridIndex({
      vectors: new MemoryVectorStore(),
      minSimilarity: 0.3,
      log: pino({ level: 'silent' }),
      ...over,
    });

  it('finds the best passages of the sample policies with title and section', async () => {
    const index = await make();
    await index.apply('policies', { upserts: await samplePolicies(), deletes: [] });
    expect(index.size.documents).toBe(3);
    const [best] = await index.search('meal allowance per day when travelling', { limit: 3 });
    expect(best).toMatchObject({
      source: 'policies',
      documentId: 'travel.md',
      title: 'Travel Policy',
      section: 'Per diem › Meals',
    });
    expect(best!.text).toContain('60 EUR');
    expect((await index.search('lost laptop', { limit: 1 }))[0]).toMatchObject({ section: 'Laptops' });
  });

  it('finds nothing for a question that shares no meaningful word with the sources', async () => {
    const index = await make();
    await index.apply('policies', { upserts: await samplePolicies(), deletes: [] });
    expect(await index.search('What is the capital of France?', { limit: 4 })).toEqual([]);
  });

  it('forgets deleted and replaced documents, and reports the versions it holds', async () => {
    const index = await make();
    await index.apply('wiki', {
      upserts: [doc('a.md', '## Parking\n\nThe garage opens at 7.'), doc('b.md', '## Badges\n\nBadges at reception.')],
      deletes: [],
    });
    await index.apply('wiki', {
      upserts: [doc('a.md', '## Parking\n\nThe garage opens at 6.', { version: '2' })],
      deletes: ['b.md'],
    });
    expect([...(await index.known('wiki'))]).toEqual([['a.md', '2']]);
    const hits = await index.search('garage badges', { limit: 5 });
    expect(hits.map((h) => h.text)).toEqual(['The garage opens at 6.']);
  });

  it('ranks approved answers first and marks them, even below a better-matching document passage', async () => {
    const index = await make();
    await index.apply('policies', {
      upserts: [doc('vpn.md', '## VPN\n\nThe VPN client is WireGuard. VPN access needs a VPN token. VPN VPN.')],
      deletes: [],
    });
    await index.apply(
      'approved',
      {
        upserts: [doc('q1', 'Ask IT for the VPN token in #it-help.', { title: 'How do I get VPN access?' })],
        deletes: [],
      },
      { approved: true },
    );
    const hits = await index.search('VPN token', { limit: 4 });
    expect(hits.map((h) => [h.source, h.approved ?? false])).toEqual([
      ['approved', true],
      ['policies', false],
    ]);
  });
});

describe('knowledge index with embeddings', () => {
  /** Vectors that know two words mean the same, which BM25 cannot. */
  const synonyms: Embedder = {
    space: 'test/2',
    available: true,
    async embed(texts) {
      return texts.map((t) => {
        const s = t.toLowerCase();
        return Float32Array.from([/vacation|holiday|leave/.test(s) ? 1 : 0, /parking|garage/.test(s) ? 1 : 0.01]);
      });
    },
  };

  it('fuses BM25 with vector search: a passage found by meaning only is returned too', async () => {
    const index = await createHybridIndex({
      embedder: synonyms,
      vectors: new MemoryVectorStore(),
      minSimilarity: 0.5,
      log: pino({ level: 'silent' }),
    });
    await index.apply('hr', {
      upserts: [doc('leave.md', '## Vacation\n\nTwenty-five per year.'), doc('parking.md', '## Garage\n\nLevel -2.')],
      deletes: [],
    });
    await index.idle();
    // No word of the question is in leave.md: BM25 alone finds nothing.
    const hits = await index.search('how many holiday days do I get', { limit: 4 });
    expect(hits.map((h) => h.documentId)).toEqual(['leave.md']);
  });

  it('makes changes searchable by their words at once, while their vectors are still being made', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const asked: string[][] = [];
    const slow: Embedder = {
      space: 'slow/2',
      available: true,
      async embed(texts) {
        asked.push([...texts]);
        await held;
        return texts.map(() => Float32Array.from([1, 0]));
      },
    };
    const vectors = new MemoryVectorStore();
    const index = await createHybridIndex({
      embedder: slow,
      vectors,
      minSimilarity: 0.5,
      log: pino({ level: 'silent' }),
    });
    await index.apply('wiki', {
      upserts: [doc('a.md', '## Parking\n\nLevel -2.'), doc('b.md', '## Badges\n\nAt reception.')],
      deletes: [],
    });
    expect((await index.search('parking', { limit: 2 })).map((h) => h.documentId)).toEqual(['a.md']);
    expect(index.size.embedded).toBe(0);
    // b.md goes while its passage is being embedded: its vectors are not kept.
    await index.apply('wiki', { upserts: [], deletes: ['b.md'] });
    release();
    await index.idle();
    expect(asked[0]).toHaveLength(2);
    expect(index.size).toEqual({ documents: 1, passages: 1, embedded: 1 });
    expect((await vectors.load('wiki', 'a.md')).size).toBe(1);
    expect((await vectors.load('wiki', 'b.md')).size).toBe(0);
  });

  it('embeds passages in batches through /v1/embeddings and searches with the question’s vector', async () => {
    const before = fake.embeddingsRequests().length;
    const { log } = recordingLog();
    const index = await createHybridIndex({
      embedder: embedderFor(log),
      vectors: new MemoryVectorStore(),
      minSimilarity: 0.2,
      log,
    });
    await index.apply('policies', { upserts: await samplePolicies(), deletes: [] });
    await index.idle();
    const sent = fake.embeddingsRequests().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatchObject({
      model: 'text-embedding-3-small',
      dimensions: 256,
      encoding_format: 'base64',
    });
    expect(sent[0]!.body.input).toHaveLength(index.size.passages);
    expect(index.size.embedded).toBe(index.size.passages);
    const [best] = await index.search('hotel limit in London', { limit: 2 });
    expect(best).toMatchObject({ title: 'Travel Policy', section: 'Hotels' });
    expect(fake.embeddingsRequests().slice(before)).toHaveLength(2);
  });

  it('retries a 429 after the Retry-After the server asked for', async () => {
    const waits: number[] = [];
    const embedder = embedderFor(pino({ level: 'silent' }), async (ms) => void waits.push(ms));
    fake.failEmbeddings({
      status: 429,
      error: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests' },
      headers: { 'retry-after': '2' },
    });
    const vectors = await embedder.embed(['a passage about parking']);
    expect(waits).toEqual([2_000]);
    expect(vectors?.[0]).toHaveLength(256);
  });

  it('falls back to BM25 when the server has no embeddings, saying so once', async () => {
    const plain = new FakeOpenAI({ embeddings: false });
    const url = await plain.start();
    try {
      const { log, said } = recordingLog();
      const embedder = new OpenAIEmbedder(
        new OpenAI({ apiKey: 'sk-test-fake', baseURL: url, maxRetries: 0 }),
        { model: 'text-embedding-3-small' },
        log,
      );
      const index = await createHybridIndex({ embedder, vectors: new MemoryVectorStore(), minSimilarity: 0.3, log });
      await index.apply('policies', { upserts: await samplePolicies(), deletes: [] });
      await index.idle();
      const [best] = await index.search('lost laptop', { limit: 1 });
      expect(best).toMatchObject({ section: 'Laptops' });
      await index.apply('policies', { upserts: [doc('new.md', '## Kitchen\n\nClean up.')], deletes: [] });
      await index.idle();
      expect(await index.search('kitchen', { limit: 1 })).toHaveLength(1);
      expect(said('the OpenAI server has no embeddings for this model; knowledge search uses BM25 alone')).toHaveLength(
        1,
      );
      expect(plain.embeddingsRequests()).toHaveLength(1);
    } finally {
      await plain.close();
    }
  });

  it('does not embed unchanged documents again after a restart, with the vectors kept in Redis', async () => {
    const keys = storeKeys(`${prefix}restart:`);
    const start = async () =>
      createHybridIndex({
        embedder: embedderFor(pino({ level: 'silent' })),
        vectors: new RedisVectorStore(redis, keys),
        minSimilarity: 0.2,
        log: pino({ level: 'silent' }),
      });
    const docs = await samplePolicies();
    const first = await start();
    let before = fake.embeddingsRequests().length;
    await first.apply('policies', { upserts: docs, deletes: [] });
    await first.idle();
    expect(fake.embeddingsRequests().length - before).toBe(1);

    // A new process: the index is empty, the sync sends every document again, Redis has their vectors.
    const second = await start();
    before = fake.embeddingsRequests().length;
    await second.apply('policies', { upserts: docs, deletes: [] });
    await second.idle();
    expect(fake.embeddingsRequests().length - before).toBe(0);
    expect(second.size.embedded).toBe(second.size.passages);

    // One section changed: only that passage is embedded.
    const travel = docs.find((d) => d.id === 'travel.md')!;
    const edited = { ...travel, version: '2', text: travel.text.replace('180 EUR', '190 EUR') };
    await second.apply('policies', { upserts: [edited], deletes: [] });
    await second.idle();
    const sent = fake.embeddingsRequests().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body.input).toHaveLength(1);
    expect(sent[0]!.body.input[0]).toContain('190 EUR');

    await second.apply('policies', { upserts: [], deletes: ['travel.md'] });

    await second.idle();
    expect(await redis.keys(`${prefix}restart:kvec:policies:*`)).toHaveLength(2);
  });
});
