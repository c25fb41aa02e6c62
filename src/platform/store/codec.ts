import { z } from 'zod';
import { type FileReason, PLAIN_FILE_REASONS } from '../../turn/file-reasons.js';
import type { Attachment, ThreadItem } from '../../turn/thread.js';

const bytes = z.number().int().nonnegative();
const count = z.number().int().positive();

/** A skipped file's reason as `FileReason` writes it. */
const knownReasonSchema = z.discriminatedUnion('key', [
  z.object({ key: z.enum(PLAIN_FILE_REASONS) }),
  z.object({ key: z.literal('over_limit'), size: bytes, limit: bytes }),
  z.object({ key: z.enum(['download_too_large', 'request_limit', 'pdf_too_large']), limit: bytes }),
  z.object({ key: z.literal('download_refused'), status: z.number().int().optional() }),
  z.object({ key: z.literal('image_limit'), count }),
  z.object({ key: z.literal('pdf_pages'), pages: count, limit: count }),
  z.object({ key: z.literal('unsupported'), type: z.string() }),
  z.object({ key: z.enum(['local_missing', 'local_denied', 'local_not_file']), path: z.string() }),
  z.object({ key: z.literal('local_unreadable'), path: z.string(), code: z.string() }),
]);

/**
 * Also an English phrase (items stored before the catalogs), and a reason this version does not know (written by a
 * newer one during a rolling update), read as "something went wrong": the message itself stays in the history.
 */
const fileReasonSchema = z.union([
  knownReasonSchema,
  z.string(),
  z.looseObject({ key: z.string() }).transform((): FileReason => ({ key: 'internal' })),
]);

const attachmentSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('image'),
    id: z.string(),
    name: z.string(),
    mime: z.enum(['image/png', 'image/jpeg']),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    detail: z.enum(['low', 'high', 'auto']),
    note: z.string().optional(),
  }),
  z.object({
    kind: z.literal('pdf'),
    id: z.string(),
    name: z.string(),
    bytes: z.number().int().nonnegative(),
    pages: z.number().int().positive().optional(),
  }),
  z.object({
    kind: z.literal('text'),
    name: z.string(),
    text: z.string(),
    totalChars: z.number().int().nonnegative(),
    truncated: z.boolean(),
  }),
]);

const itemSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('user'),
    ts: z.string(),
    userId: z.string(),
    userName: z.string(),
    text: z.string(),
    attachments: z.array(attachmentSchema).optional(),
    skipped: z.array(z.object({ name: z.string(), reason: fileReasonSchema })).optional(),
  }),
  z.object({
    type: z.literal('assistant'),
    ts: z.string().optional(),
    text: z.string(),
    responseId: z.string().optional(),
    model: z.string().optional(),
    stopped: z.literal(true).optional(),
  }),
  z.object({ type: z.literal('function_call'), callId: z.string(), name: z.string(), arguments: z.string() }),
  z.object({
    type: z.literal('function_call_output'),
    callId: z.string(),
    output: z.string(),
    userId: z.string().optional(),
  }),
  z.object({ type: z.literal('hosted'), item: z.looseObject({ type: z.string() }) }),
]);

/** File bytes never go into the item list: they are stored apart (see `blobsOf`) so they can be bounded. */
export const encodeItem = (item: ThreadItem): string =>
  JSON.stringify(
    item.type === 'user' && item.attachments ? { ...item, attachments: item.attachments.map(withoutData) } : item,
  );

function withoutData(a: Attachment): Attachment {
  if (a.kind === 'text' || !a.data) return a;
  const { data: _data, ...rest } = a;
  return rest;
}

/** Items written by an older or newer version that no longer parse are skipped rather than failing the turn. */
export function decodeItems(raw: readonly string[]): ThreadItem[] {
  const out: ThreadItem[] = [];
  for (const line of raw) {
    try {
      const parsed = itemSchema.safeParse(JSON.parse(line));
      if (parsed.success) out.push(parsed.data as ThreadItem);
    } catch {
      // unreadable line: skip, see above
    }
  }
  return out;
}

/** The file bytes carried by items, oldest first, to be stored under their own keys. */
export function blobsOf(items: readonly ThreadItem[]): Array<{ id: string; data: Uint8Array }> {
  const out: Array<{ id: string; data: Uint8Array }> = [];
  for (const item of items) {
    if (item.type !== 'user') continue;
    for (const a of item.attachments ?? []) if (a.kind !== 'text' && a.data) out.push({ id: a.id, data: a.data });
  }
  return out;
}

/** Ids of the stored bytes that items refer to. */
export function blobIdsOf(items: readonly ThreadItem[]): string[] {
  return items.flatMap((item) =>
    item.type === 'user' ? (item.attachments ?? []).flatMap((a) => (a.kind === 'text' ? [] : [a.id])) : [],
  );
}

/** Puts stored bytes back into the items that refer to them; bytes that are gone stay absent. */
export function attachBlobs(items: ThreadItem[], blobs: ReadonlyMap<string, Uint8Array>): ThreadItem[] {
  return items.map((item) => {
    if (item.type !== 'user' || !item.attachments) return item;
    return {
      ...item,
      attachments: item.attachments.map((a) => {
        if (a.kind === 'text') return a;
        const data = blobs.get(a.id);
        return data ? { ...a, data } : a;
      }),
    };
  });
}
