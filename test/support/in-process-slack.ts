import { STATUS_CODES } from 'node:http';
import {
  type WebAPICallResult,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
} from '@slack/web-api';
import { CallHolds } from '../fakes/call-holds.js';
import { chatHandlers } from '../fakes/slack-api-chat.js';
import { otherHandlers } from '../fakes/slack-api-methods.js';
import type { FakeChannel, FakeMessage, FakeUser } from '../fakes/slack-model.js';
import { type Json, SlackApiError, type Workspace } from '../fakes/slack-state.js';
import { FakeTeams } from '../fakes/slack-teams.js';

const HANDLERS: Record<string, (args: Json, ws: Workspace) => Json> = { ...chatHandlers, ...otherHandlers };

/** How a call fails: Slack's error code, a 429 with Retry-After seconds, an HTTP status, or a broken connection. */
export type SlackFault = { error: string } | { retryAfter: number } | { status: number } | 'network';

export interface SlackCall {
  method: string;
  args: Json;
  /** Date.now() when the call was made (fake time under vi.useFakeTimers). */
  at: number;
  ok: boolean;
  /** Slack's error code when the call was refused (`ratelimited`, `http_<status>` for injected faults). */
  error?: string;
}

export interface InProcessSlackOptions {
  teamId?: string;
  users?: Record<string, FakeUser>;
  channels?: Record<string, FakeChannel>;
  scopes?: string[];
}

interface PlannedFault {
  method: string;
  fault: SlackFault;
  left: number;
  until: number;
}

/**
 * A real WebClient whose calls never leave the process: each one goes to the same method handlers and workspace
 * model as the HTTP Slack fake (argument checks, streaming states, error codes), its arguments serialised as they
 * would be on the wire. It fails the way the SDK does: WebAPIPlatformError for `ok: false`, WebAPIRateLimitedError
 * for a 429 (the app's clients reject rate-limited calls rather than wait), WebAPIHTTPError for a 5xx and
 * WebAPIRequestError for a broken connection; a failed call changes nothing. For unit tests on fake timers, where a
 * loopback server would need real time.
 */
export class InProcessSlack {
  readonly calls: SlackCall[] = [];
  readonly ws: Workspace;
  readonly client: WebClient;
  private readonly faults: PlannedFault[] = [];
  private readonly holds = new CallHolds();
  private readonly delays = new Map<string, number>();

  constructor(o: InProcessSlackOptions = {}) {
    const teams = new FakeTeams({
      appId: 'A0TEST',
      botName: 'threadwise',
      streamMaxChars: 12_000,
      strictChannels: false,
      now: () => Date.now(),
      scopes: o.scopes ?? ['chat:write', 'assistant:write', 'users:read', 'users:read.email', 'channels:read'],
    });
    this.ws = teams.add({
      teamId: o.teamId ?? 'T1',
      botUserId: 'UBOT',
      botId: 'BBOT',
      ...(o.users ? { users: o.users } : {}),
      ...(o.channels ? { channels: o.channels } : {}),
    });
    this.client = new InProcessWebClient((method, options) => this.call(method, options));
  }

  /** The next `times` calls of `method` fail with `fault`. */
  failNext(method: string, fault: SlackFault, times = 1): this {
    this.faults.push({ method, fault, left: times, until: Number.POSITIVE_INFINITY });
    return this;
  }

  /** Every call of `method` fails with `fault` until `forMs` (of Date.now() time) have passed, or for good. */
  failFor(method: string, fault: SlackFault, forMs = Number.POSITIVE_INFINITY): this {
    this.faults.push({ method, fault, left: Number.POSITIVE_INFINITY, until: Date.now() + forMs });
    return this;
  }

  /** Calls of `method` wait, as they do when Slack is slow to answer, until the returned function is called. */
  holdCalls(method: string): () => void {
    return this.holds.hold(method);
  }

  /** Calls of `method` take `ms` (of the test's clock, fake timers included) before Slack answers them. */
  delayCalls(method: string, ms: number): this {
    this.delays.set(method, ms);
    return this;
  }

  /** Forces a live stream into the expired state Slack leaves it in after its server timeout. */
  expireStream(channel: string, ts: string): void {
    const m = this.ws.find(channel, ts);
    if (m?.streaming_state === 'in_progress') m.streaming_state = 'errored';
  }

  /** What a reader of the thread sees from the bot: its messages there, oldest first. */
  botMessages(channel: string, threadTs: string): FakeMessage[] {
    return this.ws.list(channel).filter((m) => this.ws.isBot(m) && (m.ts === threadTs || m.thread_ts === threadTs));
  }

  /** Every call of `method`, failed ones included. */
  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  private async call(method: string, options: Record<string, unknown> = {}): Promise<WebAPICallResult> {
    // What reaches Slack is JSON: undefined fields vanish, objects are copies.
    const args = JSON.parse(JSON.stringify(options)) as Json;
    const call: SlackCall = { method, args, at: Date.now(), ok: false };
    this.calls.push(call);
    await this.holds.pass(method);
    const delay = this.delays.get(method);
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    const fault = this.takeFault(method);
    if (fault) throw failure(fault, call);
    const handler = HANDLERS[method];
    try {
      if (!handler) throw new SlackApiError('unknown_method');
      const result = handler(args, this.ws);
      call.ok = true;
      return { ok: true, ...result };
    } catch (err) {
      if (!(err instanceof SlackApiError)) throw err;
      call.error = err.code;
      throw new WebAPIPlatformError({
        ok: false,
        error: err.code,
        ...(err.messages ? { response_metadata: { messages: err.messages } } : {}),
      });
    }
  }

  private takeFault(method: string): SlackFault | undefined {
    const now = Date.now();
    const planned = this.faults.find((f) => f.method === method && f.left > 0 && now < f.until);
    if (!planned) return undefined;
    planned.left--;
    return planned.fault;
  }
}

/** The SDK's error for a fault, with what Slack would have recorded; nothing reaches the workspace. */
function failure(fault: SlackFault, call: SlackCall): Error {
  if (fault === 'network') return new WebAPIRequestError(new Error('socket hang up'));
  if ('error' in fault) {
    call.error = fault.error;
    return new WebAPIPlatformError({ ok: false, error: fault.error });
  }
  if ('retryAfter' in fault) {
    call.error = 'ratelimited';
    return new WebAPIRateLimitedError(fault.retryAfter);
  }
  call.error = `http_${fault.status}`;
  // Slack's edge answers an outage with an HTML page, not JSON.
  return new WebAPIHTTPError(
    fault.status,
    STATUS_CODES[fault.status] ?? '',
    { 'content-type': 'text/html' },
    '<html><body>Slack is having trouble</body></html>',
  );
}

type Transport = (method: string, options?: Record<string, unknown>) => Promise<WebAPICallResult>;

/** Every Web API method of the SDK funnels through apiCall (bound when the client is built), so it is overridden. */
class InProcessWebClient extends WebClient {
  constructor(private readonly transport: Transport) {
    super('xoxb-in-process');
  }

  override apiCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
    return this.transport(method, options);
  }
}
