import { z } from 'zod';
import type { ThreadItem } from './types.js';

const itemSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user'), ts: z.string(), userId: z.string(), userName: z.string(), text: z.string() }),
  z.object({ type: z.literal('assistant'), ts: z.string().optional(), text: z.string(), responseId: z.string().optional(), model: z.string().optional() }),
  z.object({ type: z.literal('function_call'), callId: z.string(), name: z.string(), arguments: z.string() }),
  z.object({ type: z.literal('function_call_output'), callId: z.string(), output: z.string() }),
]);

export const encodeItem = (item: ThreadItem): string => JSON.stringify(item);

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
