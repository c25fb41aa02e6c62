import { FakeOpenAI, type RecordedRequest, type Script } from '../test/fakes/openai-server.js';
import { FakeSlack, type RecordedCall } from '../test/fakes/slack-api.js';

export const OPENAI_KEY = 'sk-bench-0123456789abcdefghij';
export const USERS = 1000;
export const userId = (i: number) => `U0B${String(i % USERS).padStart(4, '0')}`;

/** The Slack and OpenAI fakes one app process runs against, with signals for what happens on them. */
export class Fakes {
  readonly slack: FakeSlack;
  readonly openai: FakeOpenAI;
  slackUrl = '';
  openaiUrl = '';
  private readonly callListeners = new Set<(c: RecordedCall) => void>();

  constructor(slackLimits: 'off' | 'tiers') {
    this.slack = new FakeSlack({ rateLimits: slackLimits });
    // Distinct people ask, as in a team (an app that looks up names does so once per new person).
    for (let i = 0; i < USERS; i++) {
      const name = `person${i}`;
      this.slack.addUser(userId(i), { name, real_name: `Person ${i}`, display_name: name });
    }
    // OpenAI's usage tier 5 limits for gpt-4o (30M tokens and 10k requests per minute), refilling like the real API.
    this.openai = new FakeOpenAI({
      apiKey: OPENAI_KEY,
      limits: { tokensPerMinute: 30_000_000, requestsPerMinute: 10_000 },
    });
    // The fake records each call before answering it (synchronously); by the next turn of the loop it has its outcome.
    const calls = this.slack.calls;
    const push = calls.push.bind(calls);
    calls.push = (...items: RecordedCall[]) => {
      setImmediate(() => {
        for (const c of items) for (const l of this.callListeners) l(c);
      });
      return push(...items);
    };
  }

  async start(): Promise<this> {
    [this.slackUrl, this.openaiUrl] = [await this.slack.start(), await this.openai.start()];
    return this;
  }

  answerWith(script: (req: RecordedRequest) => Script): void {
    this.openai.setDefault(script);
  }

  onSlackCall(listener: (c: RecordedCall) => void): void {
    this.callListeners.add(listener);
  }

  async close(): Promise<void> {
    await Promise.all([this.slack.close(), this.openai.close()]);
  }
}

/** The conversation a Slack call belongs to (chat.* name it `channel`, assistant.threads.* `channel_id`). */
export function channelOf(c: RecordedCall): string | undefined {
  const ch = c.args.channel ?? c.args.channel_id;
  return typeof ch === 'string' ? ch : undefined;
}

export const WRITE_METHODS = new Set([
  'chat.startStream',
  'chat.appendStream',
  'chat.stopStream',
  'chat.postMessage',
  'chat.update',
]);

/** A write that puts words in front of the user (a stream can start, or stop, without any). */
export function showsText(c: RecordedCall): boolean {
  if (!c.ok || !WRITE_METHODS.has(c.method)) return false;
  const { markdown_text, text, chunks } = c.args as { markdown_text?: unknown; text?: unknown; chunks?: unknown };
  if (typeof markdown_text === 'string' && markdown_text.trim()) return true;
  if (typeof text === 'string' && text.trim()) return true;
  return (
    Array.isArray(chunks) &&
    chunks.some((k) => (k as { type?: string; text?: string }).type === 'markdown_text' && k.text?.trim())
  );
}
