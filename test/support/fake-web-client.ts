// An in-memory stand-in for @slack/web-api's WebClient, for unit tests that drive time with vi.useFakeTimers().
// It answers the methods a reply uses the way Slack does (see test/fakes/slack-api-chat.ts for the sources), and
// it fails the way the real client does: WebAPIPlatformError for `ok: false`, WebAPIRateLimitedError for a 429
// (the app's clients reject rate-limited calls), WebAPIHTTPError for a 5xx and WebAPIRequestError for a network
// failure. A failed call changes nothing on the fake's side.
import {
  type WebAPICallResult,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  type WebClient,
} from '@slack/web-api';

type Args = Record<string, unknown>;

/** How a call fails: Slack's error code, a 429 with Retry-After seconds, an HTTP status, or a broken connection. */
export type Fault = { error: string } | { retryAfter: number } | { status: number } | 'network';

export interface FakeCall {
  method: string;
  args: Args;
  /** Date.now() when the call was made (fake time under vi.useFakeTimers). */
  at: number;
  ok: boolean;
}

export interface FakeBotMessage {
  ts: string;
  channel: string;
  threadTs?: string;
  text: string;
  blocks?: unknown[];
  streaming: boolean;
  broadcast?: boolean;
  recipient?: { userId?: string; teamId?: string };
}

const MARKDOWN_LIMIT = 12_000;
const LOADING_MESSAGES_MAX = 10;

export class FakeWebClient {
  readonly calls: FakeCall[] = [];
  readonly messages: FakeBotMessage[] = [];
  readonly statuses: Array<{ status: string; loading_messages?: string[] }> = [];
  private readonly faults: Array<{ method: string; fault: Fault; left: number; until?: number }> = [];
  private seq = 0;

  /** @param latencyMs how long every call takes (a timer, so fake time must be advanced). */
  constructor(private readonly latencyMs = 0) {}

  /** The next `times` calls of `method` fail with `fault`. */
  failNext(method: string, fault: Fault, times = 1): this {
    this.faults.push({ method, fault, left: times });
    return this;
  }

  /** Every call of `method` fails with `fault` until `forMs` (of Date.now() time) have passed, or for good. */
  failFor(method: string, fault: Fault, forMs = Number.POSITIVE_INFINITY): this {
    this.faults.push({ method, fault, left: Number.POSITIVE_INFINITY, until: Date.now() + forMs });
    return this;
  }

  /** Slack's server-side expiry of a live stream (append and stop are refused from then on). */
  expire(ts: string): void {
    const m = this.find(ts);
    if (m) m.streaming = false;
  }

  /** Every call of `method`, failed ones included. */
  callsTo(method: string): FakeCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Successful writes of a reply, in order. */
  writes(): FakeCall[] {
    return this.calls.filter((c) => c.ok && c.method.startsWith('chat.') && c.method !== 'chat.delete');
  }

  /** What a reader of the thread sees: the bot's messages, oldest first. */
  shown(): string[] {
    return this.messages.map((m) => m.text);
  }

  asWebClient(): WebClient {
    return this as unknown as WebClient;
  }

  readonly chat = {
    startStream: (args: Args) =>
      this.call('chat.startStream', args, () => {
        const channel = this.channelOf(args);
        if (typeof args.thread_ts !== 'string') throw this.refuse('invalid_arguments');
        if (!channel.startsWith('D')) {
          if (!args.recipient_team_id) throw this.refuse('missing_recipient_team_id');
          if (!args.recipient_user_id) throw this.refuse('missing_recipient_user_id');
        }
        const text = this.markdown(args);
        const m = this.add({ channel, threadTs: args.thread_ts, text, streaming: true });
        m.recipient = { userId: args.recipient_user_id as string, teamId: args.recipient_team_id as string };
        return { channel, ts: m.ts };
      }),
    appendStream: (args: Args) =>
      this.call('chat.appendStream', args, () => {
        const m = this.live(args);
        const text = this.markdown(args);
        if (!text) throw this.refuse('no_text');
        if (m.text.length + text.length > MARKDOWN_LIMIT) throw this.refuse('msg_too_long');
        m.text += text;
        return { channel: m.channel, ts: m.ts };
      }),
    stopStream: (args: Args) =>
      this.call('chat.stopStream', args, () => {
        const m = this.live(args);
        const text = typeof args.markdown_text === 'string' ? this.markdown(args) : '';
        if (m.text.length + text.length > MARKDOWN_LIMIT) throw this.refuse('msg_too_long');
        m.text += text;
        if (Array.isArray(args.blocks)) m.blocks = args.blocks;
        m.streaming = false;
        return { channel: m.channel, ts: m.ts };
      }),
    postMessage: (args: Args) =>
      this.call('chat.postMessage', args, () => {
        const channel = this.channelOf(args);
        const m = this.add({
          channel,
          ...(typeof args.thread_ts === 'string' ? { threadTs: args.thread_ts } : {}),
          ...this.content(args),
          streaming: false,
          ...(args.reply_broadcast === true ? { broadcast: true } : {}),
        });
        return { channel, ts: m.ts };
      }),
    update: (args: Args) =>
      this.call('chat.update', args, () => {
        const m = this.own(args);
        if (m.streaming) throw this.refuse('streaming_state_conflict');
        const c = this.content(args);
        m.text = c.text;
        if (c.blocks) m.blocks = c.blocks;
        else delete m.blocks;
        return { channel: m.channel, ts: m.ts };
      }),
    delete: (args: Args) =>
      this.call('chat.delete', args, () => {
        const m = this.own(args);
        this.messages.splice(this.messages.indexOf(m), 1);
        return { channel: m.channel, ts: m.ts };
      }),
  };

  readonly assistant = {
    threads: {
      setStatus: (args: Args) =>
        this.call('assistant.threads.setStatus', args, () => {
          const loading = args.loading_messages;
          if (Array.isArray(loading) && loading.length > LOADING_MESSAGES_MAX) throw this.refuse('invalid_arguments');
          this.statuses.push({
            status: String(args.status),
            ...(Array.isArray(loading) ? { loading_messages: loading as string[] } : {}),
          });
          return {};
        }),
    },
  };

  private async call(method: string, args: Args, run: () => Args): Promise<WebAPICallResult> {
    const call: FakeCall = { method, args, at: Date.now(), ok: false };
    this.calls.push(call);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    else await Promise.resolve();
    const fault = this.takeFault(method);
    if (fault) throw this.failure(fault);
    const result = run();
    call.ok = true;
    return { ok: true, ...result };
  }

  private takeFault(method: string): Fault | undefined {
    const now = Date.now();
    const i = this.faults.findIndex(
      (f) => f.method === method && f.left > 0 && (f.until === undefined || now < f.until),
    );
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    f.left--;
    return f.fault;
  }

  private failure(fault: Fault): Error {
    if (fault === 'network') return new WebAPIRequestError(new Error('socket hang up'));
    if ('error' in fault) return this.refuse(fault.error);
    if ('retryAfter' in fault) return new WebAPIRateLimitedError(fault.retryAfter);
    // Slack's front end answers an outage with an HTML page, not JSON.
    return new WebAPIHTTPError(fault.status, 'Internal Server Error', { 'content-type': 'text/html' }, '<html>');
  }

  private refuse(error: string): WebAPIPlatformError {
    return new WebAPIPlatformError({ ok: false, error });
  }

  private channelOf(args: Args): string {
    if (typeof args.channel !== 'string' || !args.channel) throw this.refuse('channel_not_found');
    return args.channel;
  }

  private markdown(args: Args): string {
    const text = typeof args.markdown_text === 'string' ? args.markdown_text : '';
    if (text.length > MARKDOWN_LIMIT) throw this.refuse('msg_too_long');
    return text;
  }

  /** text / markdown_text / blocks as Slack takes them: markdown_text alone, else text with optional blocks. */
  private content(args: Args): { text: string; blocks?: unknown[] } {
    const blocks = Array.isArray(args.blocks) ? args.blocks : undefined;
    if (typeof args.markdown_text === 'string') {
      if (args.text !== undefined || blocks) throw this.refuse('markdown_text_conflict');
      if (!args.markdown_text) throw this.refuse('no_text');
      return { text: this.markdown(args) };
    }
    if (!args.text && !blocks?.length) throw this.refuse('no_text');
    const markdown = (blocks ?? [])
      .filter((b): b is { type: 'markdown'; text: string } => (b as { type?: string }).type === 'markdown')
      .map((b) => b.text)
      .join('');
    if (markdown.length > MARKDOWN_LIMIT) throw this.refuse('msg_blocks_too_long');
    return { text: markdown || String(args.text), ...(blocks ? { blocks } : {}) };
  }

  private add(m: Omit<FakeBotMessage, 'ts'>): FakeBotMessage {
    const message = { ts: `1700000000.${String(++this.seq).padStart(6, '0')}`, ...m };
    this.messages.push(message);
    return message;
  }

  private find(ts: unknown): FakeBotMessage | undefined {
    return this.messages.find((m) => m.ts === ts);
  }

  private own(args: Args): FakeBotMessage {
    const m = this.find(args.ts);
    if (!m || m.channel !== args.channel) throw this.refuse('message_not_found');
    return m;
  }

  private live(args: Args): FakeBotMessage {
    const m = this.own(args);
    if (!m.streaming) throw this.refuse('message_not_in_streaming_state');
    return m;
  }
}
