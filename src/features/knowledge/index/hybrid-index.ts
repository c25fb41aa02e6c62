import MiniSearch from 'minisearch';
import type { Logger } from 'pino';
import { eng as ENGLISH_STOPWORDS } from 'stopword';
import { hashId } from '../../../lib/hash.js';
import type { Embedder } from '../../../platform/openai/embeddings.js';
import type { KnowledgeIndex, KnowledgePassage, SourceChanges } from '../contracts.js';
import { type Chunk, chunkDocument } from './chunks.js';
import { type DocumentStore, MemoryDocumentStore } from './document-store.js';
import { reciprocalRankFusion } from './fusion.js';
import type { VectorStore } from './vector-store.js';

type VectorTrees = typeof import('@orama/orama/trees').vector;
type VectorIndex = InstanceType<VectorTrees['VectorIndex']>;

export interface HybridIndexDeps {
  /** Absent: BM25 alone. An embedder that finds the server without embeddings says so and turns itself off. */
  embedder?: Embedder;
  vectors: VectorStore;
  /** Cosine similarity (0 to 1) below which a vector hit is not about the question. */
  minSimilarity: number;
  /**
   * The documents every replica indexes (Redis): changes are written there first, and each search first reloads the
   * sources another replica changed. Absent: kept in this process alone.
   */
  documents?: DocumentStore;
  /** How long a check of the shared generations holds before a search checks again (default 1 second). */
  checkEveryMs?: number;
  now?: () => number;
  log: Logger;
}

interface Entry extends Chunk {
  id: number;
  source: string;
  /** Names the chunk's vector: the model and everything embedded, so a changed chunk or model is embedded anew. */
  vectorKey: string;
  embedded: boolean;
}

interface HeldDocument {
  version: string;
  ids: number[];
}

const STOPWORDS = new Set(ENGLISH_STOPWORDS);
/** Candidates taken from each ranking before fusion. */
const DEPTH = 30;

/**
 * Question words ("what", "is", "the") match every document: without them BM25 only finds passages that share a
 * word that means something, so "nothing found" can be told apart from "everything matched a little".
 */
const processTerm = (term: string): string | null => {
  const t = term.toLowerCase();
  return t.length < 2 || STOPWORDS.has(t) ? null : t;
};

/**
 * The one knowledge index: passages chunked by heading, searched with BM25 (MiniSearch) and, when the server has
 * embeddings, by cosine similarity of their vectors (Orama's in-process vector index); both rankings are fused with
 * reciprocal rank fusion, and passages of approved sources come first. Vectors are kept in a `VectorStore` by chunk
 * so a restart embeds only what is new. Changes are applied one at a time, in the order they arrive.
 *
 * The documents themselves are shared through a `DocumentStore`: a source is synced on one replica (the sync lock),
 * which writes the change there and bumps the source's generation; every other replica reloads the sources whose
 * generation moved before its next search, so all of them search the same documents without calling the providers.
 */
export class HybridKnowledgeIndex implements KnowledgeIndex {
  private readonly bm25 = new MiniSearch<Entry>({
    fields: ['title', 'section', 'text'],
    storeFields: [],
    processTerm,
    searchOptions: { boost: { title: 2, section: 1.5 }, prefix: true, fuzzy: 0.2 },
  });
  private readonly entries = new Map<number, Entry>();
  private readonly documents = new Map<string, Map<string, HeldDocument>>();
  private readonly approvedSources = new Set<string>();
  private vectorIndex?: VectorIndex;
  private nextId = 0;
  private applying: Promise<void> = Promise.resolve();
  /** Embedding runs behind the changes: one at a time, and at most one more waiting (it takes whatever is new). */
  private embedding: Promise<void> = Promise.resolve();
  private embeddingQueued = false;
  private readonly store: DocumentStore;
  /** The generation of each source this process holds, to tell which sources another replica changed since. */
  private readonly generations = new Map<string, number>();
  private checkedAt = Number.NEGATIVE_INFINITY;
  private refreshing?: Promise<void>;

  constructor(
    private readonly d: HybridIndexDeps,
    private readonly trees: VectorTrees,
  ) {
    this.store = d.documents ?? new MemoryDocumentStore();
  }

  /** Documents and passages held, for the start-up log and status. */
  get size(): { documents: number; passages: number; embedded: number } {
    let documents = 0;
    for (const docs of this.documents.values()) documents += docs.size;
    let embedded = 0;
    for (const e of this.entries.values()) if (e.embedded) embedded++;
    return { documents, passages: this.entries.size, embedded };
  }

  /**
   * Resolves once the changes are searchable by their words; their vectors follow in the background (reused from
   * the store, else embedded), so neither start-up nor a sync waits on the embeddings endpoint. `idle()` waits
   * for them too.
   */
  apply(source: string, changes: SourceChanges, options: { approved?: boolean } = {}): Promise<void> {
    const approved = options.approved === true;
    const run = this.applying.then(async () => {
      // Shared first: a change that could not be written is applied nowhere (the sync fails, the last index serves).
      const generation = await this.store.write(source, changes, approved);
      await this.applyNow(source, changes, approved, true);
      // Current only when ours was the next write; else another replica wrote meanwhile and the next check reloads.
      if ((this.generations.get(source) ?? 0) === generation - 1) this.generations.set(source, generation);
    });
    // The next change waits for this one, whether it worked or not.
    this.applying = run.catch(() => undefined);
    return run.then(() => this.scheduleEmbedding());
  }

  /**
   * Brings this process in step with the shared documents: each source whose generation moved is reloaded, only
   * the documents whose version differs (deleted ones removed); their vectors come from the store, not the embedder.
   * Searches call it (at most once per `checkEveryMs`); start-up calls it once.
   */
  refresh(): Promise<void> {
    if (!this.refreshing) {
      this.checkedAt = (this.d.now ?? Date.now)();
      const run = this.applying.then(() => this.refreshNow());
      this.applying = run.catch(() => undefined);
      this.refreshing = run.finally(() => {
        this.refreshing = undefined;
      });
    }
    return this.refreshing.then(() => this.scheduleEmbedding());
  }

  /** Every change applied so far is searchable by its vectors too (or was given up on, as logged). */
  async idle(): Promise<void> {
    await this.applying;
    await this.embedding;
  }

  /** From the shared store, so an incremental sync is right on any replica and after a restart. */
  async known(source: string): Promise<ReadonlyMap<string, string>> {
    return (await this.store.versions(source)).versions;
  }

  async search(query: string, options: { limit: number; signal?: AbortSignal }): Promise<KnowledgePassage[]> {
    if ((this.d.now ?? Date.now)() - this.checkedAt >= (this.d.checkEveryMs ?? 1_000)) {
      await this.refresh().catch((err: Error) =>
        this.d.log.warn(
          { err: { message: err.message } },
          'could not check the shared knowledge documents; searching what this replica holds',
        ),
      );
    }
    const lexical = this.bm25
      .search(query)
      .slice(0, DEPTH)
      .map((r) => Number(r.id));
    const semantic = await this.nearest(query, options.signal);
    const fused = reciprocalRankFusion([lexical, semantic]);
    // Approved answers first (a stable sort keeps the fused order within each group).
    const ranked = fused
      .map(({ id, score }) => ({ entry: this.entries.get(id)!, score }))
      .filter((r) => r.entry)
      .sort((a, b) => Number(this.approved(b.entry)) - Number(this.approved(a.entry)));
    return ranked.slice(0, options.limit).map(({ entry, score }) => ({
      source: entry.source,
      documentId: entry.documentId,
      title: entry.title,
      section: entry.section,
      text: entry.text,
      ...(entry.url ? { url: entry.url } : {}),
      ...(this.approved(entry) ? { approved: true } : {}),
      score: Math.round(score * 10_000) / 10_000,
    }));
  }

  private approved(e: Entry): boolean {
    return this.approvedSources.has(e.source);
  }

  /** Passage ids by cosine similarity to the question, most similar first; none without embeddings. */
  private async nearest(query: string, signal?: AbortSignal): Promise<number[]> {
    const index = this.vectorIndex;
    if (!this.d.embedder || !index) return [];
    let vector: Float32Array | undefined;
    try {
      vector = (await this.d.embedder.embed([query], signal))?.[0];
    } catch (err) {
      if (signal?.aborted) throw err;
      this.d.log.warn(
        { err: { message: (err as Error).message } },
        'could not embed the question; searching BM25 only',
      );
      return [];
    }
    if (!vector || vector.length !== index.size) return [];
    return index
      .find(vector, this.d.minSimilarity, undefined)
      .sort((a, b) => b[1] - a[1])
      .slice(0, DEPTH)
      .map(([id]) => id);
  }

  private async refreshNow(): Promise<void> {
    for (const [source, { generation, approved }] of await this.store.generations()) {
      if (this.generations.get(source) === generation) continue;
      const { generation: at, versions } = await this.store.versions(source);
      const held = this.documents.get(source) ?? new Map<string, HeldDocument>();
      const changed = [...versions].filter(([id, v]) => held.get(id)?.version !== v).map(([id]) => id);
      const deletes = [...held.keys()].filter((id) => !versions.has(id));
      // A document changed or deleted between these reads is older here than `at` says: the next check reloads it.
      const upserts = await this.store.read(source, changed);
      await this.applyNow(source, { upserts, deletes }, approved, false);
      this.generations.set(source, at);
      this.d.log.debug(
        { source, generation: at, upserts: upserts.length, deletes: deletes.length },
        'knowledge reloaded',
      );
    }
  }

  /** `ownVectors`: this process made the change, so it removes the stored vectors of deleted documents. */
  private async applyNow(
    source: string,
    changes: SourceChanges,
    approved: boolean,
    ownVectors: boolean,
  ): Promise<void> {
    if (approved) this.approvedSources.add(source);
    const docs = this.documents.get(source) ?? new Map<string, HeldDocument>();
    this.documents.set(source, docs);
    // The words index changes in one synchronous step, so a search never sees a source half replaced.
    for (const id of changes.deletes) {
      this.drop(docs, id);
      docs.delete(id);
    }
    const space = this.d.embedder?.space ?? '';
    for (const doc of changes.upserts) {
      this.drop(docs, doc.id);
      const entries = chunkDocument(doc).map(
        (c): Entry => ({
          ...c,
          id: this.nextId++,
          source,
          vectorKey: hashId('kvec', space, c.title, c.section, c.text),
          embedded: false,
        }),
      );
      for (const e of entries) this.entries.set(e.id, e);
      this.bm25.addAll(entries);
      docs.set(doc.id, { version: doc.version, ids: entries.map((e) => e.id) });
    }
    // A reload leaves them to the writer: by now the same id may have been saved again, with new vectors.
    if (!ownVectors) return;
    await Promise.all(
      changes.deletes.map((id) =>
        this.d.vectors
          .remove(source, id)
          .catch((err: Error) =>
            this.d.log.warn({ err: { message: err.message }, source }, 'could not delete the vectors of a document'),
          ),
      ),
    );
  }

  private scheduleEmbedding(): void {
    if (!this.d.embedder?.available || this.embeddingQueued) return;
    this.embeddingQueued = true;
    this.embedding = this.embedding.then(async () => {
      this.embeddingQueued = false;
      await this.embedPending().catch((err: Error) =>
        this.d.log.warn({ err: { message: err.message } }, 'knowledge passages were not embedded'),
      );
    });
  }

  /** Takes a document's passages out of both indexes (its stored vectors stay until it is saved or deleted). */
  private drop(docs: Map<string, HeldDocument>, id: string): void {
    const held = docs.get(id);
    if (!held) return;
    for (const chunkId of held.ids) {
      const e = this.entries.get(chunkId);
      if (!e) continue;
      this.bm25.discard(chunkId);
      this.vectorIndex?.remove(chunkId);
      this.entries.delete(chunkId);
    }
  }

  /**
   * Gives every passage without a vector one: from the store when it was embedded before (a restart), else from
   * the embedder, in one batched call. A failure leaves those passages to BM25 until the next change tries again.
   */
  private async embedPending(): Promise<void> {
    const embedder = this.d.embedder;
    if (!embedder) return;
    const pending: Array<{
      source: string;
      documentId: string;
      held: HeldDocument;
      entries: Entry[];
      stored: Map<string, Float32Array>;
    }> = [];
    // Taken before any await: changes applied meanwhile are the next run's.
    const waiting = [...this.documents].flatMap(([source, docs]) =>
      [...docs].map(([documentId, held]) => ({ source, documentId, held })),
    );
    for (const { source, documentId, held } of waiting) {
      const entries = held.ids.map((id) => this.entries.get(id)!).filter(Boolean);
      if (entries.every((e) => e.embedded)) continue;
      const stored = await this.d.vectors.load(source, documentId).catch((err: Error) => {
        this.d.log.warn({ err: { message: err.message }, source }, 'could not read stored vectors; embedding again');
        return new Map<string, Float32Array>();
      });
      pending.push({ source, documentId, held, entries, stored });
    }
    if (!pending.length) return;
    const missing = [
      ...new Map(
        pending.flatMap((p) => p.entries.filter((e) => !p.stored.has(e.vectorKey)).map((e) => [e.vectorKey, e])),
      ).values(),
    ];
    let fresh: Float32Array[] | undefined = [];
    try {
      fresh = missing.length ? await embedder.embed(missing.map(embeddedText)) : [];
    } catch (err) {
      this.d.log.warn(
        { err: { message: (err as Error).message }, passages: missing.length },
        'could not embed knowledge passages; they are found by BM25 until the next change',
      );
      return;
    }
    if (!fresh) return; // The server has no embeddings: BM25 alone, as the embedder logged.
    const made = new Map(missing.map((e, i) => [e.vectorKey, fresh![i]!]));
    for (const p of pending) {
      // Replaced or deleted while its passages were being embedded: the newer version is embedded next.
      if (this.documents.get(p.source)?.get(p.documentId) !== p.held) continue;
      const vectors = new Map<string, Float32Array>();
      for (const e of p.entries) {
        const v = p.stored.get(e.vectorKey) ?? made.get(e.vectorKey);
        if (!v) continue;
        vectors.set(e.vectorKey, v);
        const index = this.index(v);
        if (v.length !== index.size) continue;
        index.add(e.id, v);
        e.embedded = true;
      }
      // Saved whole (only this document's current chunks), so vectors of sections that are gone go with it.
      await this.d.vectors
        .save(p.source, p.documentId, vectors)
        .catch((err: Error) =>
          this.d.log.warn(
            { err: { message: err.message }, source: p.source },
            'could not keep the vectors of a document',
          ),
        );
    }
    const passages = pending.reduce((n, p) => n + p.entries.length, 0);
    this.d.log.info({ embedded: missing.length, reused: passages - missing.length }, 'knowledge passages indexed');
  }

  private index(v: Float32Array): VectorIndex {
    if (!this.vectorIndex) this.vectorIndex = new this.trees.VectorIndex(v.length);
    return this.vectorIndex;
  }
}

/** What a passage's vector stands for: where it sits and what it says. */
const embeddedText = (e: Entry) => [e.section ? `${e.title} › ${e.section}` : e.title, e.text].join('\n\n');

/** The index, with Orama's vector index loaded first (a dynamic import: start-ups without knowledge never load it). */
export async function createHybridIndex(deps: HybridIndexDeps): Promise<HybridKnowledgeIndex> {
  return new HybridKnowledgeIndex(deps, (await import('@orama/orama/trees')).vector);
}
