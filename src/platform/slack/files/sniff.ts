import { decodeText } from './text.js';

type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif';

export type Sniffed =
  | { kind: 'empty' }
  | { kind: 'image'; format: ImageFormat }
  | { kind: 'pdf' }
  | { kind: 'html'; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'binary'; label: string };

const IMAGE_FORMATS: Record<string, ImageFormat> = { png: 'png', jpg: 'jpeg', webp: 'webp', gif: 'gif' };
/** Formats file-type recognises that are still plain text to a reader. */
const TEXT_LIKE = new Set(['xml', 'svg', 'ics', 'vtt', 'srt']);

const looksLikeHtml = (text: string) =>
  /^\s*(<!--[\s\S]*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>])/i.test(text.slice(0, 2048));

/** What the bytes are, whatever the mimetype or file name claim (Slack serves a sign-in page as HTTP 200). */
export async function sniff(bytes: Uint8Array): Promise<Sniffed> {
  if (bytes.byteLength === 0) return { kind: 'empty' };
  // Loaded on the first file, not at start.
  const { fileTypeFromBuffer } = await import('file-type');
  const type = await fileTypeFromBuffer(bytes);
  if (type) {
    const format = IMAGE_FORMATS[type.ext];
    if (format) return { kind: 'image', format };
    if (type.ext === 'pdf') return { kind: 'pdf' };
    if (!TEXT_LIKE.has(type.ext)) return { kind: 'binary', label: type.ext.toUpperCase() };
  }
  const text = decodeText(bytes);
  if (text === undefined) return { kind: 'binary', label: 'binary' };
  return looksLikeHtml(text) ? { kind: 'html', text } : { kind: 'text', text };
}
