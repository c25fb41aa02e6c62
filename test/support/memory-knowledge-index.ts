import MiniSearch from 'minisearch';
import type { KnowledgeIndex, KnowledgePassage, SourceChanges } from '../../src/features/knowledge/contracts.js';

interface Entry {
  key: string;
  source: string;
  documentId: string;
  title: string;
  text: string;
  url?: string;
  version: string;
  approved: boolean;
}

/**
 * KnowledgeIndex as the contract describes it, in memory for tests of what feeds it (BM25 over whole documents, no
 * chunking or embeddings): apply replaces and deletes per source, known reports versions, approved passages rank
 * first. Keeps every apply call so a test can see what was sent.
 */
export class MemoryKnowledgeIndex implements KnowledgeIndex {
  readonly applied: Array<{ source: string; changes: SourceChanges; approved: boolean }> = [];
  private readonly entries = new Map<string, Entry>();
  private readonly search_ = new MiniSearch<Entry>({
    idField: 'key',
    fields: ['title', 'text'],
    searchOptions: { boost: { title: 2 }, prefix: true, fuzzy: 0.2 },
  });

  async apply(source: string, changes: SourceChanges, options?: { approved?: boolean }): Promise<void> {
    this.applied.push({ source, changes: structuredClone(changes), approved: Boolean(options?.approved) });
    for (const id of [...changes.deletes, ...changes.upserts.map((d) => d.id)]) {
      const key = `${source}\u0000${id}`;
      if (this.entries.delete(key)) this.search_.discard(key);
    }
    for (const d of changes.upserts) {
      const entry: Entry = {
        key: `${source}\u0000${d.id}`,
        source,
        documentId: d.id,
        title: d.title,
        text: d.text,
        ...(d.url ? { url: d.url } : {}),
        version: d.version,
        approved: Boolean(options?.approved),
      };
      this.entries.set(entry.key, entry);
      this.search_.add(entry);
    }
  }

  async known(source: string): Promise<ReadonlyMap<string, string>> {
    return new Map([...this.entries.values()].filter((e) => e.source === source).map((e) => [e.documentId, e.version]));
  }

  async search(query: string, options: { limit: number }): Promise<KnowledgePassage[]> {
    return this.search_
      .search(query)
      .map((r) => ({ entry: this.entries.get(String(r.id))!, score: r.score }))
      .sort((a, b) => Number(b.entry.approved) - Number(a.entry.approved) || b.score - a.score)
      .slice(0, options.limit)
      .map(({ entry, score }) => ({
        source: entry.source,
        documentId: entry.documentId,
        title: entry.title,
        section: '',
        text: entry.text,
        ...(entry.url ? { url: entry.url } : {}),
        ...(entry.approved ? { approved: true } : {}),
        score,
      }));
  }

  /** Every document held for a source, for assertions. */
  documents(source: string): string[] {
    return [...this.entries.values()].filter((e) => e.source === source).map((e) => e.documentId);
  }
}
