/**
 * The seams of the knowledge feature, fixed first so sources, sync, retrieval, Slack search and approved answers
 * can be built apart: a provider lists what changed in one source, the sync engine feeds that to the index, the
 * index answers searches with passages that carry their link.
 */

/** The kinds a `knowledge.sources` entry may name; `approved` is the built-in source of answers people saved. */
export const SOURCE_KINDS = ['folder', 'confluence', 'notion', 'zendesk_guide', 'google_drive', 'website'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** One document as a provider fetched it. `text` is Markdown (headings kept) so chunking can follow the headings. */
export interface SourceDocument {
  /** Stable within its source (a page id, a path, a URL). */
  id: string;
  title: string;
  /** Where a person reads it; cited under answers. */
  url?: string;
  /** Markdown or plain text; HTML, PDF and DOCX are converted by the provider. */
  text: string;
  /** Opaque change marker (version number, modified time, hash): a changed version means re-fetch and re-index. */
  version: string;
}

/** What a provider found since the versions the index already holds. */
export interface SourceChanges {
  /** New or changed documents (version differs from `known`). */
  upserts: SourceDocument[];
  /** Ids in `known` that the source no longer has. */
  deletes: string[];
  /**
   * Documents the provider listed but could not read this time (a corrupt PDF, a page answering 500): neither
   * upserted nor deleted, so the version the index holds keeps serving; shown per document in the source status.
   */
  problems?: SourceProblem[];
}

/** Why one document of a source could not be read; `message` names no secret. */
export interface SourceProblem {
  id: string;
  message: string;
}

/** One configured source behind one API. Throwing means "this sync failed": the last good index keeps serving. */
export interface KnowledgeProvider {
  readonly name: string;
  readonly kind: SourceKind;
  /** Lists the source (paginated as its API requires), fetches bodies only for ids whose version changed. */
  changes(known: ReadonlyMap<string, string>, signal: AbortSignal): Promise<SourceChanges>;
}

/** A passage returned by a search, with what an answer needs to cite it. */
export interface KnowledgePassage {
  /** The configured source's name, or `approved` for saved answers. */
  source: string;
  documentId: string;
  title: string;
  /** Heading path inside the document ("Per diem › Meals"), empty before the first heading. */
  section: string;
  text: string;
  url?: string;
  /** True for answers people approved: they rank first and are cited as such. */
  approved?: boolean;
  score: number;
}

/** The one index every source feeds and `search_knowledge` reads. */
export interface KnowledgeIndex {
  /** Replaces the given documents of one source and removes its deleted ones. */
  apply(source: string, changes: SourceChanges, options?: { approved?: boolean }): Promise<void>;
  /** The versions held for one source, for the next incremental sync. */
  known(source: string): Promise<ReadonlyMap<string, string>>;
  search(query: string, options: { limit: number; signal?: AbortSignal }): Promise<KnowledgePassage[]>;
}

/** A question the sources could not answer (a desk hand-off, or "not in the sources"), for the weekly gaps digest. */
export interface KnowledgeGap {
  question: string;
  channel: string;
  threadTs: string;
  reason: 'handoff' | 'not_in_sources';
  at: number;
  /** Who asked (a Slack user id), so forget-me can take their question out of the digest. */
  askedBy: string;
}

export interface KnowledgeGaps {
  record(gap: KnowledgeGap): Promise<void>;
  /** Gaps recorded in [from, to), oldest first. */
  between(from: number, to: number): Promise<KnowledgeGap[]>;
  /** Forget-me: drops every question this person asked; returns how many went. */
  forgetPerson(userId: string): Promise<number>;
}
