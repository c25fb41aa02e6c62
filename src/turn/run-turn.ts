import type { Logger } from 'pino';
import type { ChannelSettings } from '../config/settings.js';
import { hashId } from '../observability/hash.js';
import type { Attachment, SkippedFile, ThreadItem, ThreadKey, ThreadStore } from '../store/types.js';
import { buildRequest, type RequestOptions } from './build-request.js';
import { itemImageTokens } from './image-tokens.js';
import { noticeForError, noticeForFiles, noticeForIncomplete } from './notices.js';
import { ModelError, type ModelCall, type ModelPort, type ModelRequest, type ReplySink } from './ports.js';

export interface TurnDeps {
  model: ModelPort;
  threads: ThreadStore;
  log: Logger;
  requestOptions: RequestOptions;
  stallSeconds: number;
}

export interface TurnInput {
  turnId: string;
  key: ThreadKey;
  settings: ChannelSettings;
  user: { id: string; name: string };
  /** The user's message with Slack markup already resolved. */
  text: string;
  messageTs: string;
  /** Files of the message, already downloaded and prepared by the caller. */
  attachments?: Attachment[];
  /** Files of the message that could not be used; the answer says so. */
  skipped?: SkippedFile[];
  sink: ReplySink;
}

export interface TurnResult {
  outcome: 'answered' | 'failed';
  call?: ModelCall;
  error?: ModelError;
  messageTs: string[];
}

/** Runs the model, feeding the sink as text arrives; returns the call or the error, never throws a ModelError. */
async function streamOnce(model: ModelPort, request: ModelRequest, sink: ReplySink, onText: (d: string) => void): Promise<ModelCall> {
  for await (const event of model.stream(request)) {
    if (event.type === 'text') {
      onText(event.delta);
      sink.append(event.delta);
    } else {
      return event.call;
    }
  }
  throw new ModelError('connection', 'the model stream ended without a final event');
}

/**
 * One turn: load the thread, call the model with the new message, stream the answer, store both sides.
 * The user's message is stored even when the model fails, so the next turn still has it.
 */
export async function runTurn(input: TurnInput, deps: TurnDeps): Promise<TurnResult> {
  const { key, settings, user, sink } = input;
  const log = deps.log.child({ thread: hashId('thread', key.teamId, key.channel, key.threadTs) });
  const userItem: ThreadItem = { type: 'user', ts: input.messageTs, userId: user.id, userName: user.name, text: input.text };
  if (input.attachments?.length) userItem.attachments = input.attachments;
  if (input.skipped?.length) userItem.skipped = input.skipped;
  const history = await deps.threads.load(key);

  let text = '';
  let request = buildRequest(settings, key, user.id, history, [userItem], deps.requestOptions, input.turnId);
  let call: ModelCall | undefined;
  let error: ModelError | undefined;
  const started = Date.now();
  try {
    try {
      call = await streamOnce(deps.model, request, sink, (d) => (text += d));
    } catch (err) {
      // A chained response that OpenAI no longer has: resend the whole history once.
      if (!(err instanceof ModelError) || err.kind !== 'previous_response_missing' || text) throw err;
      log.warn({ code: err.details.code }, 'previous response not found; resending full history');
      request = buildRequest(settings, key, user.id, history, [userItem], { ...deps.requestOptions, chainPreviousResponse: false }, input.turnId);
      call = await streamOnce(deps.model, request, sink, (d) => (text += d));
    }
  } catch (err) {
    error = err instanceof ModelError ? err : new ModelError('connection', (err as Error)?.message ?? String(err));
  }

  const modelNotice = error ? noticeForError(error, deps.stallSeconds) : call && noticeForIncomplete(call, settings.maxOutputTokens);
  const notice = [noticeForFiles(input.attachments ?? [], input.skipped ?? []), modelNotice].filter(Boolean).join('\n\n') || undefined;
  const outcome = error ? 'failed' : 'answered';
  const { messageTs } = await sink.finish({ outcome, notice });

  logModelCall(log, request, call, error, Date.now() - started);
  const items: ThreadItem[] = [userItem];
  if (text) items.push({ type: 'assistant', ts: messageTs[0], text, responseId: request.store ? call?.responseId : undefined, model: call?.model });
  await deps.threads.append(key, items);
  return { outcome, call, error, messageTs };
}

function logModelCall(log: Logger, request: ModelRequest, call: ModelCall | undefined, error: ModelError | undefined, latencyMs: number): void {
  const fields = {
    event: 'model_call',
    requested_model: request.model,
    model: call?.model,
    request_id: call?.requestId ?? error?.details.requestId,
    response_id: call?.responseId,
    status: error ? 'failed' : call?.status,
    incomplete_reason: call?.incompleteReason,
    input_tokens: call?.usage?.inputTokens,
    cached_tokens: call?.usage?.cachedTokens,
    output_tokens: call?.usage?.outputTokens,
    image_tokens_estimate: request.items.reduce((sum, item) => sum + itemImageTokens(item), 0) || undefined,
    latency_ms: latencyMs,
  };
  if (!error) return log.info(fields, 'model call finished');
  const level = error.kind === 'quota' || error.kind === 'auth' ? 'error' : 'warn';
  log[level]({ ...fields, error_kind: error.kind, error_code: error.details.code, http_status: error.details.status, err: error }, 'model call failed');
}
