import type { ThreadItem } from './thread.js';

/** What the model reads instead of a tool result fetched for someone else. */
const HIDDEN_RESULT = JSON.stringify({
  ok: false,
  error: {
    code: 'not_permitted',
    message:
      'This result was fetched for another person in the thread. Call the tool again for the current user if it is needed.',
  },
});

/**
 * Tool results were authorized for the person whose message caused them. In a shared thread a later asker must
 * not read them through the model, so their content is replaced (the calls stay, keeping the history well-formed);
 * the model can look things up again, and the server then checks the new asker.
 */
export function hideOthersToolResults(
  history: readonly ThreadItem[],
  userId: string,
): { items: ThreadItem[]; hidden: number } {
  let owner: string | undefined;
  let hidden = 0;
  const items = history.map((item): ThreadItem => {
    if (item.type === 'user') owner = item.userId;
    if (item.type !== 'function_call_output' || (item.userId ?? owner) === userId) return item;
    hidden++;
    return { ...item, output: HIDDEN_RESULT };
  });
  return { items, hidden };
}
