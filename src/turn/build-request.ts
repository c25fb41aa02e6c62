import type { ChannelSettings } from '../config/settings.js';
import { hashId } from '../observability/hash.js';
import type { ThreadItem, ThreadKey } from '../store/types.js';
import { fitAttachmentBytes } from './attachment-budget.js';
import type { ModelRequest } from './ports.js';

export interface RequestOptions {
  store: boolean;
  chainPreviousResponse: boolean;
  /** Bytes of images and PDFs one request may carry; older ones are left out first. */
  maxAttachmentBytes?: number;
}

/** The newest assistant item that OpenAI stored, and everything after it. */
function chainFrom(history: readonly ThreadItem[]): { responseId: string; rest: ThreadItem[] } | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const item = history[i];
    if (item?.type === 'assistant' && item.responseId) return { responseId: item.responseId, rest: history.slice(i + 1) };
  }
  return undefined;
}

/**
 * Builds the model call for one turn. Instructions go first and unchanged every turn, history follows oldest
 * to newest, so the prompt prefix stays byte-identical between turns and OpenAI's prompt cache can reuse it.
 */
export function buildRequest(
  settings: ChannelSettings,
  key: ThreadKey,
  userId: string,
  history: readonly ThreadItem[],
  newItems: readonly ThreadItem[],
  options: RequestOptions,
  turnId: string,
): ModelRequest {
  const base = {
    model: settings.model,
    instructions: settings.instructions,
    maxOutputTokens: settings.maxOutputTokens,
    safetyIdentifier: hashId('user', key.teamId, userId),
    promptCacheKey: `tw-${hashId('thread', key.teamId, key.channel, key.threadTs)}`,
    metadata: { app: 'threadwise', thread: hashId('thread', key.teamId, key.channel, key.threadTs), turn: turnId },
    store: options.store || options.chainPreviousResponse,
  };
  const chain = options.chainPreviousResponse ? chainFrom(history) : undefined;
  const fit = (items: ThreadItem[]) => (options.maxAttachmentBytes === undefined ? items : fitAttachmentBytes(items, options.maxAttachmentBytes));
  if (chain) return { ...base, items: fit([...chain.rest, ...newItems]), previousResponseId: chain.responseId };
  return { ...base, items: fit([...history, ...newItems]) };
}
