import {
  type ModelEvent,
  type ModelPort,
  type ModelRequest,
  type ModelUsage,
  NO_USAGE,
  type QuotaAccount,
  type QuotaRefusal,
} from './ports.js';

/** A call the quotas did not let through; the turn ends with the refusal's notice. Never sent, so never billed. */
export class QuotaRefused extends Error {
  constructor(readonly refusal: QuotaRefusal) {
    super(`quota refused: ${refusal.limit}`);
    this.name = 'QuotaRefused';
  }
}

export interface GateOptions {
  /** Input tokens the request will be billed for (a chained request is billed for its whole chain). */
  inputTokens: (request: ModelRequest) => number;
  /** Tells the person the answer waits for their other questions. */
  onWait?: () => void;
}

/** About four characters per token: what streamed text costs when the server did not say. */
const tokensOfChars = (chars: number) => Math.ceil(chars / 4);

/**
 * What a call is counted as: its reported usage; else (a server that reports none, a stream that broke after
 * text, a stream the person stopped) the input estimate plus the streamed text, since OpenAI bills what it read
 * and generated. A call that failed before any text counts nothing: OpenAI does not bill a request it rejected.
 */
function usageOf(
  reported: ModelUsage | undefined,
  finished: boolean,
  inputTokens: number,
  chars: number,
  stopped: boolean,
): ModelUsage {
  if (reported) return reported;
  if (!finished && chars === 0 && !stopped) return NO_USAGE;
  return { inputTokens, cachedTokens: 0, outputTokens: tokensOfChars(chars) };
}

/**
 * The model port of one turn: each call is admitted by the turn's quota account before it is sent and settled
 * with what it used as soon as it ends, so a turn that loops on tools is stopped between calls, not after them.
 */
export function quotaGated(inner: ModelPort, account: QuotaAccount, options: GateOptions): ModelPort {
  return {
    async *stream(request: ModelRequest, signal?: AbortSignal): AsyncIterable<ModelEvent> {
      const inputTokens = options.inputTokens(request);
      const admission = await account.admit(
        { model: request.model, inputTokens, maxOutputTokens: request.maxOutputTokens },
        options.onWait,
      );
      if (!admission.ok) throw new QuotaRefused(admission);
      let model = request.model;
      let reported: ModelUsage | undefined;
      let finished = false;
      let chars = 0;
      try {
        for await (const event of inner.stream(request, signal)) {
          if (event.type === 'text') chars += event.delta.length;
          else if (event.type === 'done') {
            finished = true;
            model = event.call.model;
            reported = event.call.usage;
          }
          yield event;
        }
      } finally {
        await admission.settle(model, usageOf(reported, finished, inputTokens, chars, signal?.aborted === true));
      }
    },
  };
}
