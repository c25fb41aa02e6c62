import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import MiniSearch from 'minisearch';
import { parse as parseYaml } from 'yaml';

export interface PolicyPassage {
  id: number;
  /** Path of the document inside the policies folder. */
  document: string;
  title: string;
  /** Heading path inside the document ("Per diem › Meals"), empty before the first heading. */
  section: string;
  text: string;
  /** Where people read the document (its front matter's `url:`), for the answer's sources. */
  url?: string;
}

const EXTENSIONS = new Set(['.md', '.markdown', '.txt']);
const PASSAGE_CHARS = 1_200;

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory() && !e.name.startsWith('.')) return listFiles(path);
      return Promise.resolve(e.isFile() && EXTENSIONS.has(extname(e.name).toLowerCase()) ? [path] : []);
    }),
  );
  return nested.flat().sort();
}

/** Splits long sections at paragraph boundaries so a passage stays quotable. */
function passages(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const para of text.split(/\n{2,}/)) {
    if (current && current.length + para.length > PASSAGE_CHARS) {
      out.push(current.trim());
      current = '';
    }
    current += `${para}\n\n`;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** YAML front matter (`---` … `---` at the very top): its `title` and `url`, and the body after it. */
export function frontMatter(content: string): { title?: string; url?: string; body: string } {
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

/** A Markdown (or plain text) document → passages with their title and heading path. */
export function splitDocument(document: string, content: string): Omit<PolicyPassage, 'id'>[] {
  const meta = frontMatter(content.replace(/\r\n/g, '\n'));
  const lines = meta.body.split('\n');
  const h1 = lines.find((l) => /^#\s+/.test(l));
  const title =
    meta.title ?? (h1 ? h1.replace(/^#\s+/, '').trim() : basename(document, extname(document)).replace(/[-_]+/g, ' '));
  const out: Omit<PolicyPassage, 'id'>[] = [];
  const headings: string[] = [];
  let body: string[] = [];
  let inFence = false;
  const flush = () => {
    const section = headings.filter(Boolean).join(' › ');
    for (const text of passages(body.join('\n')))
      out.push({ document, title, section, text, ...(meta.url ? { url: meta.url } : {}) });
    body = [];
  };
  for (const line of lines) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const m = inFence ? null : /^(#{1,6})\s+(.*)$/.exec(line);
    if (!m) {
      body.push(line);
      continue;
    }
    flush();
    const level = m[1]!.length;
    if (level === 1) headings.length = 0;
    else {
      headings.length = Math.max(0, level - 2);
      headings[level - 2] = m[2]!.trim();
    }
  }
  flush();
  return out;
}

/** Policy documents indexed in memory with BM25 (MiniSearch), built once at startup. */
export class PolicyIndex {
  private constructor(
    private readonly index: MiniSearch<PolicyPassage>,
    private readonly passages: Map<number, PolicyPassage>,
    readonly documents: number,
  ) {}

  static async load(dir: string): Promise<PolicyIndex> {
    const files = await listFiles(dir);
    const all: PolicyPassage[] = [];
    for (const file of files) {
      for (const p of splitDocument(relative(dir, file), await readFile(file, 'utf8')))
        all.push({ ...p, id: all.length });
    }
    const index = new MiniSearch<PolicyPassage>({
      fields: ['title', 'section', 'text'],
      searchOptions: { boost: { title: 2, section: 1.5 }, prefix: true, fuzzy: 0.2 },
    });
    index.addAll(all);
    return new PolicyIndex(index, new Map(all.map((p) => [p.id, p])), files.length);
  }

  get size(): number {
    return this.passages.size;
  }

  search(query: string, limit: number): Array<PolicyPassage & { score: number }> {
    return this.index
      .search(query)
      .slice(0, limit)
      .map((r) => ({ ...this.passages.get(Number(r.id))!, score: Math.round(r.score * 100) / 100 }));
  }
}
