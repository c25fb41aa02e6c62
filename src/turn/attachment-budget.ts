import type { ThreadItem } from './thread.js';

/**
 * Keeps the file bytes of one request within `maxBytes`: the newest attachments stay, older ones beyond the
 * budget are sent without their bytes (the model is told they are no longer available). Pure; returns new items.
 */
export function fitAttachmentBytes(items: readonly ThreadItem[], maxBytes: number): ThreadItem[] {
  let used = 0;
  const out = [...items];
  for (let i = out.length - 1; i >= 0; i--) {
    const item = out[i]!;
    if (item.type !== 'user' || !item.attachments?.some((a) => a.kind !== 'text' && a.data)) continue;
    const kept = [...item.attachments].reverse().map((a) => {
      if (a.kind === 'text' || !a.data) return a;
      if (used + a.data.byteLength <= maxBytes) {
        used += a.data.byteLength;
        return a;
      }
      const { data: _dropped, ...rest } = a;
      return rest;
    });
    out[i] = { ...item, attachments: kept.reverse() };
  }
  return out;
}
