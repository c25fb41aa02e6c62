/**
 * Documents → Markdown, with well-kept parsers loaded on first use (a start without a PDF, DOCX or website source
 * never loads them): unpdf (PDF.js built for servers) for PDF text, mammoth for DOCX (its headings survive as
 * HTML), linkedom and turndown for HTML.
 */
import { htmlToMarkdown as fragmentToMarkdown } from './html-markdown.js';

/** A document a parser could not read; the message is meant for the source status. */
export class UnreadableDocument extends Error {}

/** Elements that are page furniture or code, never knowledge. */
const NOT_CONTENT = [
  'script',
  'style',
  'noscript',
  'template',
  'nav',
  'header',
  'footer',
  'aside',
  'form',
  'iframe',
  'svg',
];

export interface Converted {
  /** The document's own title (PDF metadata, the page's <title>), when it has one. */
  title?: string;
  text: string;
}

/** Text of every page of a PDF, pages apart by a blank line; a PDF with no text layer (a scan) is unreadable. */
export async function pdfToText(bytes: Uint8Array): Promise<Converted> {
  const { extractText, getDocumentProxy, getMeta } = await import('unpdf');
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // unpdf takes ownership of the buffer it is given: a copy keeps the caller's bytes intact.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
  } catch (err) {
    throw new UnreadableDocument(`not a readable PDF (${(err as Error).message})`);
  }
  try {
    const { text } = await extractText(pdf, { mergePages: false });
    const body = text
      .map((page) => page.trim())
      .filter(Boolean)
      .join('\n\n');
    if (!body) throw new UnreadableDocument('the PDF has no text layer (a scan?)');
    const meta = await getMeta(pdf).catch(() => undefined);
    const title = typeof meta?.info.Title === 'string' && meta.info.Title.trim() ? meta.info.Title.trim() : undefined;
    return { ...(title ? { title } : {}), text: body };
  } finally {
    await pdf.loadingTask.destroy();
  }
}

/** A Word document as Markdown: mammoth maps its styles to HTML headings and lists, turndown writes them out. */
export async function docxToMarkdown(bytes: Uint8Array): Promise<Converted> {
  const mammoth = (await import('mammoth')).default;
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: Buffer.from(bytes) })).value;
  } catch (err) {
    throw new UnreadableDocument(`not a readable DOCX (${(err as Error).message})`);
  }
  const { text } = await htmlToMarkdown(`<html><body>${html}</body></html>`);
  if (!text.trim()) throw new UnreadableDocument('the DOCX has no text');
  return { text };
}

/**
 * A web page as Markdown: its <title>, and the main content (<main>, <article> or the body) without navigation,
 * headers, footers, scripts and styles.
 */
export async function htmlToMarkdown(html: string): Promise<Converted> {
  const { parseHTML } = await import('linkedom');
  const { document } = parseHTML(html);
  const title = document.querySelector('title')?.textContent?.trim() || undefined;
  for (const tag of NOT_CONTENT) for (const el of [...document.querySelectorAll(tag)]) el.remove();
  const root = document.querySelector('main') ?? document.querySelector('article') ?? document.body;
  const text = (await fragmentToMarkdown(root?.innerHTML ?? '')).replace(/\n{3,}/g, '\n\n').trim();
  return { ...(title ? { title } : {}), text };
}
