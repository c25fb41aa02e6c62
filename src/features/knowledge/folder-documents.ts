import { basename, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { hashId } from '../../lib/hash.js';
import type { KnowledgeIndex, SourceChanges, SourceDocument } from './contracts.js';

/** YAML front matter (`---` … `---` at the very top): its `title` and `url`, and the body after it. */
function frontMatter(content: string): { title?: string; url?: string; body: string } {
  const m = /^---\n([\s\S]*?)\n---[ \t]*(?:\n|$)/.exec(content);
  if (!m) return { body: content };
  let meta: unknown;
  try {
    meta = parseYaml(m[1]!);
  } catch {
    // Not front matter after all (a horizontal rule, a broken block): the document is read as written.
    return { body: content };
  }
  const field = (k: string) => {
    const v = (meta as Record<string, unknown> | null)?.[k];
    return typeof v === 'string' && v.trim() ? v.trim() : undefined;
  };
  const title = field('title');
  const url = field('url');
  return { ...(title ? { title } : {}), ...(url ? { url } : {}), body: content.slice(m[0].length) };
}

/**
 * A Markdown or text file as a source document: its path in the folder as id, its title (front matter `title:`,
 * else the first `#` heading, else the file name), its link (front matter `url:`), a hash of its content as version.
 */
export function folderDocument(path: string, content: string): SourceDocument {
  const normalized = content.replace(/\r\n/g, '\n');
  const meta = frontMatter(normalized);
  const h1 = meta.body.split('\n').find((l) => /^#\s+/.test(l));
  const title =
    meta.title ?? (h1 ? h1.replace(/^#\s+/, '').trim() : basename(path, extname(path)).replace(/[-_]+/g, ' '));
  return {
    id: path,
    title,
    ...(meta.url ? { url: meta.url } : {}),
    text: meta.body,
    version: hashId('doc', normalized),
  };
}

/** What changed between the documents now in a folder and the versions the index holds. */
export function folderChanges(docs: readonly SourceDocument[], known: ReadonlyMap<string, string>): SourceChanges {
  const ids = new Set(docs.map((d) => d.id));
  return {
    upserts: docs.filter((d) => known.get(d.id) !== d.version),
    deletes: [...known.keys()].filter((id) => !ids.has(id)),
  };
}

/** The source name `policies.dir` is indexed under. */
export const POLICIES_SOURCE = 'policies';

/**
 * Today's `policies.dir`, indexed as the folder source "policies" through the one index. The sync engine of
 * `knowledge.sources` takes this over; until then this is the whole of the loading, in one place.
 */
export async function indexPoliciesFolder(
  index: KnowledgeIndex,
  docs: readonly SourceDocument[],
): Promise<SourceChanges> {
  const changes = folderChanges(docs, await index.known(POLICIES_SOURCE));
  await index.apply(POLICIES_SOURCE, changes);
  return changes;
}
