import { hashId } from '../../../lib/hash.js';
import type { StoreKeys } from '../../../platform/store/keys.js';
import type { RedisClient } from '../../../platform/store/redis-client.js';

/**
 * Where the embeddings of each document's chunks are kept, by chunk key, so a restart (or a new version of a
 * document whose sections mostly stayed) embeds only the chunks it has not seen.
 */
export interface VectorStore {
  load(source: string, documentId: string): Promise<Map<string, Float32Array>>;
  /** Replaces everything kept for the document with `vectors`. */
  save(source: string, documentId: string, vectors: ReadonlyMap<string, Float32Array>): Promise<void>;
  remove(source: string, documentId: string): Promise<void>;
}

/** Without Redis: kept for the life of the process. */
export class MemoryVectorStore implements VectorStore {
  private readonly docs = new Map<string, Map<string, Float32Array>>();

  async load(source: string, documentId: string): Promise<Map<string, Float32Array>> {
    return new Map(this.docs.get(`${source}\n${documentId}`));
  }

  async save(source: string, documentId: string, vectors: ReadonlyMap<string, Float32Array>): Promise<void> {
    this.docs.set(`${source}\n${documentId}`, new Map(vectors));
  }

  async remove(source: string, documentId: string): Promise<void> {
    this.docs.delete(`${source}\n${documentId}`);
  }
}

const toBuffer = (v: Float32Array): Buffer => {
  const b = Buffer.alloc(v.length * 4);
  for (let i = 0; i < v.length; i++) b.writeFloatLE(v[i]!, i * 4);
  return b;
};

const fromBuffer = (b: Buffer): Float32Array | undefined => {
  if (!b.length || b.length % 4) return undefined;
  const v = new Float32Array(b.length / 4);
  for (let i = 0; i < v.length; i++) v[i] = b.readFloatLE(i * 4);
  return v;
};

/** One Redis hash per document (chunk key → float32 bytes), replaced in one MULTI so a reader never sees a mix. */
export class RedisVectorStore implements VectorStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
  ) {}

  private key(source: string, documentId: string): string {
    return this.keys.knowledgeVectors(source, hashId('kdoc', documentId));
  }

  async load(source: string, documentId: string): Promise<Map<string, Float32Array>> {
    const raw = await this.redis.hgetallBuffer(this.key(source, documentId));
    const out = new Map<string, Float32Array>();
    for (const [field, bytes] of Object.entries(raw)) {
      // A value that is not whole float32s was not written by us: it is embedded again instead.
      const v = fromBuffer(bytes);
      if (v) out.set(field, v);
    }
    return out;
  }

  async save(source: string, documentId: string, vectors: ReadonlyMap<string, Float32Array>): Promise<void> {
    const key = this.key(source, documentId);
    const tx = this.redis.multi().del(key);
    if (vectors.size) tx.hset(key, new Map([...vectors].map(([k, v]) => [k, toBuffer(v)])));
    const results = await tx.exec();
    const failed = results?.find(([err]) => err)?.[0];
    if (failed) throw failed;
  }

  async remove(source: string, documentId: string): Promise<void> {
    await this.redis.del(this.key(source, documentId));
  }
}
