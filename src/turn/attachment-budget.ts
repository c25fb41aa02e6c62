import type { LeftOutReason } from './file-reasons.js';
import type { Attachment, ThreadItem } from './thread.js';

/**
 * What OpenAI reads in one request: at most 32 MB and 100 pages of file content across all `input_file` parts,
 * and at most 50 MB and 500 images of image data. A request over any of them is refused whole.
 */
export const OPENAI_REQUEST_LIMITS = {
  fileBytes: 32_000_000,
  filePages: 100,
  imageBytes: 50_000_000,
  images: 500,
} as const;

/** A PDF whose page count is unknown (stored before pages were counted) counts as one page. */
const pagesOf = (a: Extract<Attachment, { kind: 'pdf' }>) => a.pages ?? 1;

/**
 * Keeps the files of one request within OpenAI's limits and `maxBytes` (images and PDFs together): the newest
 * files stay; an older one that no longer fits is sent without its bytes, marked `leftOut` with the reason, so the
 * model and the asker are told. Pure; returns new items, the stored thread keeps every file.
 */
export function fitAttachments(items: readonly ThreadItem[], maxBytes: number): ThreadItem[] {
  const used = { bytes: 0, fileBytes: 0, pages: 0, imageBytes: 0, images: 0 };
  const reasonToLeaveOut = (a: Exclude<Attachment, { kind: 'text' }>, size: number): LeftOutReason | undefined => {
    if (a.kind === 'pdf') {
      if (
        used.fileBytes + size > OPENAI_REQUEST_LIMITS.fileBytes ||
        used.pages + pagesOf(a) > OPENAI_REQUEST_LIMITS.filePages
      )
        return 'pdf_limit';
    } else if (
      used.imageBytes + size > OPENAI_REQUEST_LIMITS.imageBytes ||
      used.images + 1 > OPENAI_REQUEST_LIMITS.images
    )
      return 'image_limit';
    return used.bytes + size > maxBytes ? 'request_bytes' : undefined;
  };
  const out = [...items];
  for (let i = out.length - 1; i >= 0; i--) {
    const item = out[i]!;
    if (item.type !== 'user' || !item.attachments?.some((a) => a.kind !== 'text' && a.data)) continue;
    const kept = [...item.attachments].reverse().map((a): Attachment => {
      if (a.kind === 'text' || !a.data) return a;
      const size = a.data.byteLength;
      const leftOut = reasonToLeaveOut(a, size);
      if (leftOut) {
        const { data: _dropped, ...rest } = a;
        return { ...rest, leftOut };
      }
      used.bytes += size;
      if (a.kind === 'pdf') {
        used.fileBytes += size;
        used.pages += pagesOf(a);
      } else {
        used.imageBytes += size;
        used.images++;
      }
      return a;
    });
    out[i] = { ...item, attachments: kept.reverse() };
  }
  return out;
}

/** The files a request leaves out, by name, each with its reason. */
export function leftOutFiles(items: readonly ThreadItem[]): Array<{ name: string; reason: LeftOutReason }> {
  return items.flatMap((item) =>
    item.type === 'user'
      ? (item.attachments ?? []).flatMap((a) =>
          a.kind !== 'text' && a.leftOut ? [{ name: a.name, reason: a.leftOut }] : [],
        )
      : [],
  );
}
