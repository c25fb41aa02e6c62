import { z } from 'zod';
import { parseStored } from '../../../lib/stored-json.js';
import type { StoreKeys } from '../../../platform/store/keys.js';
import type { RedisClient } from '../../../platform/store/redis-client.js';
import type { SourceChanges, SourceDocument } from '../contracts.js';

/** Where each source stands: bumped on every change, so a replica sees at a glance which sources it must reload. */
export interface SourceGeneration {
  generation: number;
  approved: boolean;
}

/**
 * The documents every replica indexes, per source, with a generation counter: one replica syncs a source (the sync
 * lock) and writes here; every replica's in-process index reloads from here what changed.
 */
export interface DocumentStore {
  /** Writes the upserts and deletes of one source at once and returns the source's new generation. */
  write(source: string, changes: Pick<SourceChanges, 'upserts' | 'deletes'>, approved: boolean): Promise<number>;
  /** Every source written so far, with its generation. */
  generations(): Promise<Map<string, SourceGeneration>>;
  /** The version of each document of a source, with the generation they were read at. */
  versions(source: string): Promise<{ generation: number; versions: Map<string, string> }>;
  /** The documents of a source with these ids; ids gone (or unreadable) meanwhile are left out. */
  read(source: string, ids: readonly string[]): Promise<SourceDocument[]>;
}

/**
 * A document as written by any version of Threadwise: read back through this schema, so one written by an older
 * (or newer) replica is either what the index needs or skipped, never half-used.
 */
const StoredDocument = z.object({
  id: z.string().min(1),
  title: z.string(),
  url: z.string().optional(),
  text: z.string(),
  version: z.string(),
});

const stored = (d: SourceDocument): string =>
  JSON.stringify({ id: d.id, title: d.title, ...(d.url ? { url: d.url } : {}), text: d.text, version: d.version });

/** What a hash field held, or undefined (and `onInvalid` told) when it is not a document this reader understands. */
function parseDocument(raw: string | null, onInvalid: (id: string) => void, id: string): SourceDocument | undefined {
  if (raw === null) return undefined;
  const parsed = parseStored(StoredDocument, raw);
  if (!parsed || parsed.id !== id) {
    onInvalid(id);
    return undefined;
  }
  const { url, ...rest } = parsed;
  return url ? { ...rest, url } : rest;
}

/** Without Redis there is one process: the store is a map it keeps (the generations still drive the same reload). */
export class MemoryDocumentStore implements DocumentStore {
  private readonly sources = new Map<
    string,
    { generation: number; approved: boolean; docs: Map<string, SourceDocument> }
  >();

  async write(source: string, changes: Pick<SourceChanges, 'upserts' | 'deletes'>, approved: boolean): Promise<number> {
    const held = this.sources.get(source) ?? { generation: 0, approved: false, docs: new Map() };
    this.sources.set(source, held);
    for (const id of changes.deletes) held.docs.delete(id);
    for (const d of changes.upserts) held.docs.set(d.id, { ...d });
    held.approved ||= approved;
    return ++held.generation;
  }

  async generations(): Promise<Map<string, SourceGeneration>> {
    return new Map([...this.sources].map(([s, h]) => [s, { generation: h.generation, approved: h.approved }]));
  }

  async versions(source: string): Promise<{ generation: number; versions: Map<string, string> }> {
    const held = this.sources.get(source);
    return {
      generation: held?.generation ?? 0,
      versions: new Map([...(held?.docs.values() ?? [])].map((d) => [d.id, d.version])),
    };
  }

  async read(source: string, ids: readonly string[]): Promise<SourceDocument[]> {
    const docs = this.sources.get(source)?.docs;
    return ids.flatMap((id) => {
      const d = docs?.get(id);
      return d ? [{ ...d }] : [];
    });
  }
}

/** Fields per HMGET when reading documents back: large sources are read in slices, not in one huge reply. */
const READ_BATCH = 200;

/**
 * In Redis, under one hash tag (the writes of a source and its generation go in one MULTI, so a Cluster keeps them
 * in one slot): a hash of generations by source, a set of approved sources, and per source a hash of versions by
 * document id (what `known()` and a reload compare, without reading the texts) and a hash of documents (JSON).
 */
export class RedisDocumentStore implements DocumentStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
    /** Told of a stored document this version cannot read (written by another version): it is skipped. */
    private readonly onInvalid: (source: string, id: string) => void,
  ) {}

  async write(source: string, changes: Pick<SourceChanges, 'upserts' | 'deletes'>, approved: boolean): Promise<number> {
    const k = this.keys;
    const tx = this.redis.multi();
    if (changes.deletes.length) {
      tx.hdel(k.knowledgeDocuments(source), ...changes.deletes);
      tx.hdel(k.knowledgeDocumentVersions(source), ...changes.deletes);
    }
    if (changes.upserts.length) {
      tx.hset(k.knowledgeDocuments(source), new Map(changes.upserts.map((d) => [d.id, stored(d)])));
      tx.hset(k.knowledgeDocumentVersions(source), new Map(changes.upserts.map((d) => [d.id, d.version])));
    }
    if (approved) tx.sadd(k.knowledgeApprovedSources, source);
    tx.hincrby(k.knowledgeGenerations, source, 1);
    const results = await tx.exec();
    if (!results) throw new Error('the knowledge documents were not written (transaction aborted)');
    const failed = results.find(([err]) => err)?.[0];
    if (failed) throw failed;
    return Number(results.at(-1)![1]);
  }

  async generations(): Promise<Map<string, SourceGeneration>> {
    const results = await this.redis
      .multi()
      .hgetall(this.keys.knowledgeGenerations)
      .smembers(this.keys.knowledgeApprovedSources)
      .exec();
    const [gens, approved] = unwrap<[Record<string, string>, string[]]>(results);
    const approvedSet = new Set(approved);
    const out = new Map<string, SourceGeneration>();
    for (const [source, raw] of Object.entries(gens)) {
      const generation = Number(raw);
      if (Number.isSafeInteger(generation)) out.set(source, { generation, approved: approvedSet.has(source) });
    }
    return out;
  }

  async versions(source: string): Promise<{ generation: number; versions: Map<string, string> }> {
    // Read together, so the versions are exactly those of the generation returned.
    const results = await this.redis
      .multi()
      .hget(this.keys.knowledgeGenerations, source)
      .hgetall(this.keys.knowledgeDocumentVersions(source))
      .exec();
    const [generation, versions] = unwrap<[string | null, Record<string, string>]>(results);
    return { generation: Number(generation ?? 0), versions: new Map(Object.entries(versions)) };
  }

  async read(source: string, ids: readonly string[]): Promise<SourceDocument[]> {
    const out: SourceDocument[] = [];
    for (let i = 0; i < ids.length; i += READ_BATCH) {
      const slice = ids.slice(i, i + READ_BATCH);
      const raws = await this.redis.hmget(this.keys.knowledgeDocuments(source), ...slice);
      raws.forEach((raw, j) => {
        const doc = parseDocument(raw, (id) => this.onInvalid(source, id), slice[j]!);
        if (doc) out.push(doc);
      });
    }
    return out;
  }
}

function unwrap<T extends unknown[]>(results: Array<[Error | null, unknown]> | null): T {
  if (!results) throw new Error('the knowledge documents could not be read (transaction aborted)');
  const failed = results.find(([err]) => err)?.[0];
  if (failed) throw failed;
  return results.map(([, v]) => v) as T;
}
