import type {
  KnowledgeIndex,
  KnowledgePassage,
  SourceChanges,
  SourceDocument,
} from '../../src/features/knowledge/contracts.js';

/**
 * The KnowledgeIndex contract in memory, for tests of what feeds it: per source, documents by id with their
 * versions; `apply` replaces upserted documents and drops deleted ones in one step; `search` ranks whole documents
 * by how many of the query's words they contain. `applied` records every call so a test can see what a sync sent.
 */
export class MemoryKnowledgeIndex implements KnowledgeIndex {
  private readonly sources = new Map<string, Map<string, SourceDocument & { approved: boolean }>>();
  readonly applied: Array<{ source: string; changes: SourceChanges }> = [];

  async apply(source: string, changes: SourceChanges, options: { approved?: boolean } = {}): Promise<void> {
    const docs = this.sources.get(source) ?? new Map();
    for (const id of changes.deletes) docs.delete(id);
    for (const d of changes.upserts) docs.set(d.id, { ...d, approved: options.approved ?? false });
    this.sources.set(source, docs);
    this.applied.push({ source, changes });
  }

  async known(source: string): Promise<ReadonlyMap<string, string>> {
    return new Map([...(this.sources.get(source)?.values() ?? [])].map((d) => [d.id, d.version]));
  }

  async search(query: string, options: { limit: number }): Promise<KnowledgePassage[]> {
    const words = query.toLowerCase().split(/\W+/).filter(Boolean);
    const hits: KnowledgePassage[] = [];
    for (const [source, docs] of this.sources)
      for (const d of docs.values()) {
        const text = `${d.title}\n${d.text}`.toLowerCase();
        const score = words.filter((w) => text.includes(w)).length;
        if (score)
          hits.push({
            source,
            documentId: d.id,
            title: d.title,
            section: '',
            text: d.text,
            ...(d.url ? { url: d.url } : {}),
            ...(d.approved ? { approved: true } : {}),
            score,
          });
      }
    return hits.sort((a, b) => b.score - a.score).slice(0, options.limit);
  }

  /** The documents held for one source, by id. */
  documents(source: string): ReadonlyMap<string, SourceDocument> {
    return this.sources.get(source) ?? new Map();
  }
}
