import type { SourceDocument } from '../contracts.js';

/** One passage of a document as the index holds it: what a search returns and an answer cites. */
export interface Chunk {
  documentId: string;
  title: string;
  /** Heading path inside the document ("Per diem › Meals"), empty before the first heading. */
  section: string;
  text: string;
  url?: string;
}

const PASSAGE_CHARS = 1_200;

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

/**
 * A Markdown (or plain text) document → passages by heading, each with the document's title and link and its
 * heading path. The title heading (`#`) starts the path afresh; `##` and deeper nest under it; headings inside
 * code fences are text.
 */
export function chunkDocument(doc: SourceDocument): Chunk[] {
  const lines = doc.text.replace(/\r\n/g, '\n').split('\n');
  const out: Chunk[] = [];
  const headings: string[] = [];
  let body: string[] = [];
  let inFence = false;
  const flush = () => {
    const section = headings.filter(Boolean).join(' › ');
    for (const text of passages(body.join('\n')))
      out.push({ documentId: doc.id, title: doc.title, section, text, ...(doc.url ? { url: doc.url } : {}) });
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
