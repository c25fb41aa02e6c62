import type { Logger } from 'pino';
import type { ChannelSettings } from '../config/settings.js';
import { hashId } from '../observability/hash.js';
import type { ThreadItem, ThreadKey, ThreadStore } from '../store/types.js';
import { buildRequest, type RequestOptions } from './build-request.js';
import { noticeForError, noticeForIncomplete, noticeForRoundLimit } from './notices.js';
import { ModelError, type FunctionOutput, type ModelCall, type ModelPort, type ModelRequest, type ReplySink, type ToolRunner } from './ports.js';

export interface TurnDeps {
  model: ModelPort;
  threads: ThreadStore;
  log: Logger;
  requestOptions: RequestOptions;
  stallSeconds: number;
  /** Rounds of tool calls one turn may run before it stops with a notice. */
  maxToolRounds: number;
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
  /** The tools this user may call here; a turn without them is a plain answer. */
  tools?: ToolRunner;
}

export interface TurnResult {
  outcome: 'answered' | 'failed';
  call?: ModelCall;
  error?: ModelError;
  messageTs: string[];
  toolRounds: number;
}

/** Text of one turn as the user reads it: rounds separated by a blank line. */
class ShownText {
  all = '';
  round = '';
  constructor(private readonly sink: ReplySink) {}

  add(delta: string): void {
    if (!this.round && this.all) this.push('\n\n');
    this.round += delta;
    this.push(delta);
  }

  nextRound(): string {
    const text = this.round;
    this.round = '';
    return text;
  }

  private push(s: string): void {
    this.all += s;
    this.sink.append(s);
  }
}

async function streamOnce(model: ModelPort, request: ModelRequest, shown: ShownText): Promise<ModelCall> {
  for await (const event of model.stream(request)) {
    if (event.type === 'text') shown.add(event.delta);
    else return event.call;
  }
  throw new ModelError('connection', 'the model stream ended without a final event');
}

/**
 * One turn: load the thread, call the model with the new message, run the tools it asks for (round after round,
 * up to the cap), stream the answer, store everything. The user's message and every completed tool round are
 * stored even when the model fails, so the next turn still has them and every call keeps its output.
 */
export async function runTurn(input: TurnInput, deps: TurnDeps): Promise<TurnResult> {
  const { key, settings, user, sink, tools } = input;
  const log = deps.log.child({ thread: hashId('thread', key.teamId, key.channel, key.threadTs) });
  const userItem: ThreadItem = { type: 'user', ts: input.messageTs, userId: user.id, userName: user.name, text: input.text };
  const history = await deps.threads.load(key);
  const items: ThreadItem[] = [userItem];
  const shown = new ShownText(sink);
  const full = (options: RequestOptions): ModelRequest => buildRequest(settings, key, user.id, history, items, options, input.turnId, tools?.definitions);

  let request = full(deps.requestOptions);
  let call: ModelCall | undefined;
  let error: ModelError | undefined;
  let notice: string | undefined;
  let rounds = 0;
  let started = Date.now();
  try {
    for (;;) {
      started = Date.now();
      try {
        call = await streamOnce(deps.model, request, shown);
      } catch (err) {
        // A chained response that OpenAI no longer has: resend the whole conversation once.
        if (!(err instanceof ModelError) || err.kind !== 'previous_response_missing' || shown.round) throw err;
        log.warn({ code: err.details.code }, 'previous response not found; resending full history');
        request = full({ ...deps.requestOptions, chainPreviousResponse: false });
        call = await streamOnce(deps.model, request, shown);
      }
      logModelCall(log, request, call, undefined, Date.now() - started);
      const calls = tools ? call.functionCalls : [];
      if (!calls.length) break;

      const roundText = shown.nextRound();
      if (roundText) items.push({ type: 'assistant', text: roundText });
      let outputs: FunctionOutput[];
      if (rounds >= deps.maxToolRounds) {
        outputs = tools!.decline(calls, `the turn reached its limit of ${deps.maxToolRounds} tool rounds`);
        notice = noticeForRoundLimit(deps.maxToolRounds);
      } else {
        rounds++;
        sink.status(tools!.progress(calls));
        outputs = await tools!.run(calls);
      }
      items.push(...calls.map((c): ThreadItem => ({ type: 'function_call', callId: c.callId, name: c.name, arguments: c.arguments })));
      items.push(...outputs.map((o): ThreadItem => ({ type: 'function_call_output', callId: o.callId, output: o.output })));
      if (notice) break;
      // A stored response already holds everything before its tool calls: send only their outputs.
      const chained = request.store && deps.requestOptions.chainPreviousResponse;
      request = chained
        ? { ...request, previousResponseId: call.responseId, items: items.slice(-outputs.length) }
        : full(deps.requestOptions);
      call = undefined;
    }
  } catch (err) {
    error = err instanceof ModelError ? err : new ModelError('connection', (err as Error)?.message ?? String(err));
    logModelCall(log, request, undefined, error, Date.now() - started);
  }

  notice ??= error ? noticeForError(error, deps.stallSeconds) : call && noticeForIncomplete(call, settings.maxOutputTokens);
  const outcome = error ? 'failed' : 'answered';
  const { messageTs } = await sink.finish({ outcome, notice });

  const finalText = shown.nextRound();
  if (finalText) {
    const responseId = request.store && !error ? call?.responseId : undefined;
    items.push({ type: 'assistant', ts: messageTs[0], text: finalText, responseId, model: call?.model });
  }
  await deps.threads.append(key, items);
  return { outcome, call, error, messageTs, toolRounds: rounds };
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
    function_calls: call?.functionCalls.length || undefined,
    input_tokens: call?.usage?.inputTokens,
    cached_tokens: call?.usage?.cachedTokens,
    output_tokens: call?.usage?.outputTokens,
    latency_ms: latencyMs,
  };
  if (!error) return log.info(fields, 'model call finished');
  const level = error.kind === 'quota' || error.kind === 'auth' ? 'error' : 'warn';
  log[level]({ ...fields, error_kind: error.kind, error_code: error.details.code, http_status: error.details.status, err: error }, 'model call failed');
}
