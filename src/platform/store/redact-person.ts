import type { ThreadItem } from '../../turn/thread.js';

export const REMOVED_TEXT = '[This message was removed at its author’s request.]';
const REMOVED_RESULT = JSON.stringify({
  ok: false,
  error: { code: 'not_permitted', message: 'This result was removed at the request of the person it was fetched for.' },
});

/**
 * A shared thread without one person: their messages (text, files, name, id) become a removal note and the tool
 * results fetched for them are emptied; everything else stays, so the thread remains well-formed for the others.
 * Returns the items and how many of them changed.
 */
export function redactPerson(items: readonly ThreadItem[], userId: string): { items: ThreadItem[]; changed: number } {
  let owner: string | undefined;
  let changed = 0;
  const out = items.map((item): ThreadItem => {
    if (item.type === 'user') {
      owner = item.userId;
      if (item.userId !== userId) return item;
      changed++;
      return { type: 'user', ts: item.ts, userId: '', userName: 'someone', text: REMOVED_TEXT };
    }
    if (item.type === 'function_call_output' && (item.userId ?? owner) === userId && item.output !== REMOVED_RESULT) {
      changed++;
      return { ...item, output: REMOVED_RESULT };
    }
    return item;
  });
  return { items: out, changed };
}
