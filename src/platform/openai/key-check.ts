import OpenAI from 'openai';
import type { Logger } from 'pino';
import { z } from 'zod';

export interface KeyCheckOptions {
  /** The model whose `GET /models/{id}` is asked: one cheap authenticated call. */
  model: string;
  /** Time allowed for one check. */
  timeoutMs: number;
  /** Pause before checking again while the key is refused or the answer was inconclusive. */
  retryMs: number;
}

/** What the last check found: `refused` is the only state that makes the bot not ready. */
export type KeyState =
  | { status: 'unchecked' }
  | { status: 'accepted' }
  | { status: 'refused'; detail: string }
  /** No answer, or an answer that says nothing about the key (5xx); checked again later. */
  | { status: 'unknown'; detail: string };

/**
 * Checks OPENAI_API_KEY at start-up and, while it is refused, again in the background, so a wrong key shows in the
 * log and in /readyz at once instead of in every answer. Servers without the endpoint (a 404, as several
 * OpenAI-compatible servers answer for `/models/{id}`) still authenticated the request or do not check keys: that
 * is not an error.
 */
export class OpenAIKeyCheck {
  private current: KeyState = { status: 'unchecked' };
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly client: OpenAI,
    private readonly options: KeyCheckOptions,
    private readonly log: Logger,
  ) {}

  get state(): KeyState {
    return this.current;
  }

  /** Starts checking; resolves after the first check (which never throws). */
  async start(): Promise<KeyState> {
    this.stopped = false;
    return this.run();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One check, logged when the state changes. */
  async check(): Promise<KeyState> {
    const next = await this.ask();
    const before = this.current;
    this.current = next;
    if (next.status === 'refused' && before.status !== 'refused')
      this.log.error(
        { retry_ms: this.options.retryMs },
        `OpenAI refused OPENAI_API_KEY (${next.detail}): every answer fails until the key is fixed; /readyz reports not ready and the key is checked again in the background`,
      );
    else if (next.status === 'accepted' && before.status === 'refused')
      this.log.info('OpenAI accepts OPENAI_API_KEY again; ready');
    else if (next.status === 'unknown' && before.status !== 'unknown')
      this.log.warn({ detail: next.detail }, 'could not check OPENAI_API_KEY yet; trying again in the background');
    return next;
  }

  private async run(): Promise<KeyState> {
    const state = await this.check();
    if (!this.stopped && state.status !== 'accepted') {
      this.timer = setTimeout(() => void this.run(), this.options.retryMs);
      this.timer.unref();
    }
    return state;
  }

  private async ask(): Promise<KeyState> {
    const answer = await askWithKey(this.client, this.options.model, this.options.timeoutMs);
    switch (answer.kind) {
      case 'refused':
        return { status: 'refused', detail: answer.detail };
      case 'unreachable':
        return { status: 'unknown', detail: 'no answer from OpenAI' };
      case 'server_error':
        return { status: 'unknown', detail: `HTTP ${answer.status}` };
      case 'unexpected':
        return {
          status: 'unknown',
          detail: answer.error instanceof Error ? answer.error.message : String(answer.error),
        };
      case 'accepted':
        if (answer.modelMissing)
          this.log.warn({ model: this.options.model }, 'OpenAI does not know the configured model; check OPENAI_MODEL');
        return { status: 'accepted' };
    }
  }
}

/** What one `GET /models/{id}` says about the key, for the bot's check and the command line's probe alike. */
export type KeyAnswer =
  /**
   * Any HTTP answer but a 401 or a 5xx (a 404 without the endpoint, a 403 for one model, a 429) came after the key
   * was accepted. `model`: the model object, when the server has the endpoint and knows the model.
   */
  | { kind: 'accepted'; modelMissing: boolean; model?: ModelInfo }
  | { kind: 'refused'; detail: string }
  /** No HTTP answer: a timeout or a network error (kept for the message). */
  | { kind: 'unreachable'; error: unknown }
  /** The server failed: nothing is known about the key. */
  | { kind: 'server_error'; status: number }
  | { kind: 'unexpected'; error: unknown };

/** What the Models API says about one model; `shutdownDate` is null while no shutdown is announced. */
export interface ModelInfo {
  id: string;
  shutdownDate: string | null;
}

/** Only what Threadwise reads; `shutdown_date` is a calendar date (`format: date`) or null / absent. */
const modelObjectSchema = z.looseObject({
  id: z.string(),
  object: z.literal('model'),
  shutdown_date: z.iso.date().nullish(),
});

/** One cheap authenticated call, not retried, with a short timeout. Never throws. */
export async function askWithKey(client: OpenAI, model: string, timeoutMs: number): Promise<KeyAnswer> {
  try {
    const answer = await client.withOptions({ maxRetries: 0, timeout: timeoutMs }).models.retrieve(model);
    // A compatible server may answer 200 with something else (an HTML page, a list): the key worked, nothing more.
    const parsed = modelObjectSchema.safeParse(answer);
    return parsed.success
      ? {
          kind: 'accepted',
          modelMissing: false,
          model: { id: parsed.data.id, shutdownDate: parsed.data.shutdown_date ?? null },
        }
      : { kind: 'accepted', modelMissing: false };
  } catch (err) {
    if (err instanceof OpenAI.AuthenticationError)
      return { kind: 'refused', detail: `HTTP 401${err.code ? ` ${err.code}` : ''}` };
    if (err instanceof OpenAI.APIConnectionError) return { kind: 'unreachable', error: err };
    if (err instanceof OpenAI.InternalServerError) return { kind: 'server_error', status: err.status };
    if (err instanceof OpenAI.APIError)
      return { kind: 'accepted', modelMissing: err instanceof OpenAI.NotFoundError && err.code === 'model_not_found' };
    return { kind: 'unexpected', error: err };
  }
}
