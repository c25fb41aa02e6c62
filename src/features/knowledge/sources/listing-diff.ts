import type { SourceChanges, SourceDocument } from '../contracts.js';

/** One entry of a source's listing: enough to tell whether the index holds this version already. */
export interface Listed {
  id: string;
  version: string;
}

/**
 * What `fetch` returns for a document that is there but cannot be read this time (a broken PDF, one too large):
 * it is neither re-indexed nor deleted, so its last good version keeps serving and the next sync tries again.
 */
export const KEEP = Symbol('keep the indexed version');

/**
 * The incremental step every cloud provider shares: given the complete listing, fetch bodies only for entries whose
 * version differs from `known`, and delete what the listing no longer has. `fetch` returns undefined when the
 * document vanished between the listing and the fetch; it then counts as deleted. The listing must be complete:
 * a partial one would delete the rest, so providers throw instead of returning half a listing.
 */
export async function diffListing<T extends Listed>(
  known: ReadonlyMap<string, string>,
  listed: readonly T[],
  fetch: (entry: T) => Promise<SourceDocument | undefined | typeof KEEP>,
  signal: AbortSignal,
): Promise<SourceChanges> {
  const present = new Set<string>();
  const upserts: SourceDocument[] = [];
  for (const entry of listed) {
    if (present.has(entry.id)) continue;
    present.add(entry.id);
    if (known.get(entry.id) === entry.version) continue;
    signal.throwIfAborted();
    const doc = await fetch(entry);
    if (doc === undefined) present.delete(entry.id);
    else if (doc !== KEEP) upserts.push(doc);
  }
  const deletes = [...known.keys()].filter((id) => !present.has(id));
  return { upserts, deletes };
}
