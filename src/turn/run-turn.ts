import type { Logger } from 'pino';
import type { ChannelSettings } from '../config/settings.js';
import { hashId } from '../observability/hash.js';
import type { ThreadItem, ThreadKey, ThreadStore } from '../store/types.js';
import { buildRequest, type RequestOptions } from './build-request.js';
import { RESTART_NOTE, noticeForError, noticeForIncomplete } from './notices.js';
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
  sink: ReplySink;
}

export interface TurnResult {
  outcome: 'answered' | 'failed';
  call?: ModelCall;
  error?: ModelError;
  messageTs: string[];
}

/** Failures after which the same request can simply be sent again (the model adapter retries them before any text). */
const RESTARTABLE = new Set<ModelError['kind']>(['stalled', 'connection', 'server', 'timeout']);

/** Streams one model call into the sink; throws ModelError on failure. */
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
  const history = await deps.threads.load(key);

  let text = '';
  let request = buildRequest(settings, key, user.id, history, [userItem], deps.requestOptions, input.turnId);
  let call: ModelCall | undefined;
  let error: ModelError | undefined;
  const started = Date.now();
  let restarted = false;
  try {
    for (;;) {
      try {
        call = await streamOnce(deps.model, request, sink, (d) => (text += d));
        break;
      } catch (err) {
        if (!(err instanceof ModelError)) throw err;
        if (err.kind === 'previous_response_missing' && request.previousResponseId && !text) {
          // A chained response that OpenAI no longer has: resend the whole history once.
          log.warn({ code: err.details.code }, 'previous response not found; resending full history');
          request = buildRequest(settings, key, user.id, history, [userItem], { ...deps.requestOptions, chainPreviousResponse: false }, input.turnId);
          continue;
        }
        // The stream broke mid-answer (stall, reset, server error): the adapter cannot take shown text back,
        // so the turn starts the answer over once, in the same message, with a short note.
        if (!text || restarted || !RESTARTABLE.has(err.kind)) throw err;
        restarted = true;
        log.warn({ kind: err.kind, request_id: err.details.requestId, shown_chars: text.length }, 'model stream broke mid-answer; restarting the answer');
        text = '';
        await sink.restart(RESTART_NOTE);
      }
    }
  } catch (err) {
    error = err instanceof ModelError ? err : new ModelError('connection', (err as Error)?.message ?? String(err));
  }

  const notice = error ? noticeForError(error, deps.stallSeconds) : call && noticeForIncomplete(call, settings.maxOutputTokens);
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
    latency_ms: latencyMs,
  };
  if (!error) return log.info(fields, 'model call finished');
  const level = error.kind === 'quota' || error.kind === 'auth' ? 'error' : 'warn';
  log[level]({ ...fields, error_kind: error.kind, error_code: error.details.code, http_status: error.details.status, err: error }, 'model call failed');
}
