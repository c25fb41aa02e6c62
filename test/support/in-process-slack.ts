import { type WebAPICallResult, WebAPIPlatformError, WebClient } from '@slack/web-api';
import { chatHandlers } from '../fakes/slack-api-chat.js';
import { otherHandlers } from '../fakes/slack-api-methods.js';
import type { FakeChannel, FakeMessage, FakeUser } from '../fakes/slack-model.js';
import { type Json, SlackApiError, type Workspace } from '../fakes/slack-state.js';
import { FakeTeams } from '../fakes/slack-teams.js';

const HANDLERS: Record<string, (args: Json, ws: Workspace) => Json> = { ...chatHandlers, ...otherHandlers };

export interface SlackCall {
  method: string;
  args: Json;
  /** Slack's error code when the call was refused. */
  error?: string;
}

export interface InProcessSlackOptions {
  teamId?: string;
  users?: Record<string, FakeUser>;
  channels?: Record<string, FakeChannel>;
  scopes?: string[];
}

/**
 * A real WebClient whose calls never leave the process: each one goes to the same method handlers and workspace
 * model as the HTTP Slack fake (argument checks, streaming states, error codes), its arguments serialised as they
 * would be on the wire, and a refusal comes back as the SDK's own WebAPIPlatformError. For unit tests on fake timers,
 * where a loopback server would need real time.
 */
export class InProcessSlack {
  readonly calls: SlackCall[] = [];
  readonly ws: Workspace;
  readonly client: WebClient;

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

  /** Messages of a thread (its root included, if it is in the channel), oldest first. */
  thread(channel: string, threadTs: string): FakeMessage[] {
    return this.ws.list(channel).filter((m) => m.ts === threadTs || m.thread_ts === threadTs);
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  private async call(method: string, options: Record<string, unknown> = {}): Promise<WebAPICallResult> {
    // What reaches Slack is JSON: undefined fields vanish, objects are copies.
    const args = JSON.parse(JSON.stringify(options)) as Json;
    const call: SlackCall = { method, args };
    this.calls.push(call);
    const handler = HANDLERS[method];
    try {
      if (!handler) throw new SlackApiError('unknown_method');
      return { ok: true, ...handler(args, this.ws) };
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
