import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../fakes/openai-server.js';
import { Harness } from './harness.js';

/**
 * The scenario's input schedule, not a wait for the bot: people ask one question every few (scaled) seconds, as in
 * a real storm. Nothing is asserted from elapsed time; the answers are awaited on their "turn finished" lines.
 */
const paced = (due: number) => new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));

// FakeSlack enforces Slack's published tier floors per workspace (startStream/stopStream Tier 2 = 20/min,
// appendStream Tier 4 = 100/min, chat.update Tier 3 = 50/min, chat.postMessage ~1/s per channel) and answers
// 429 + Retry-After beyond them. To keep the suite quick its rate clock runs SCALE times faster: a "Slack
// minute" lasts 60/SCALE s with the same allowances, so 60 questions in that time are exactly the load of
// 60 questions in one real minute (Retry-After stays in whole seconds, which only makes the bot wait longer).
const SCALE = 6;
const SLACK_MINUTE_MS = 60_000 / SCALE;
const QUESTIONS = 60;
const CHANNELS = ['C0SUPA', 'C0SUPB', 'C0SUPC'];

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const answerFor = (q: string) =>
  `Answer for ${q}. ` +
  Array.from({ length: 12 }, (_, i) => `Point ${i} about ${q}: keep the runbook close and check the dashboards.`).join(
    ' ',
  );

function question(req: RecordedRequest): string {
  const input = req.body.input as Array<{ role?: string; content?: Array<{ text?: string }> }>;
  return String(input.at(-1)?.content?.[0]?.text ?? '')
    .replace(/^[^:]+: /, '')
    .replace(/<@\w+>\s*/, '');
}

describe('a Slack rate-limit storm', () => {
  it(`answers ${QUESTIONS} questions asked within one minute in one workspace, each completely and once`, async () => {
    h = await new Harness({ slack: { rateLimits: 'tiers', rateTimeScale: SCALE } }).start();
    h.openai.setDefault((req) => ({ kind: 'text', text: answerFor(question(req)), chunkSize: 40, deltaDelayMs: 80 }));

    const sent: Array<{ eventId: string; channel: string; q: string; status: number }> = [];
    const started = Date.now();
    for (let i = 0; i < QUESTIONS; i++) {
      const channel = CHANNELS[i % CHANNELS.length]!;
      const q = `q${i}`;
      const res = await h.mention({ channel, text: q });
      sent.push({ eventId: res.eventId, channel, q, status: res.status });
      const due = started + ((i + 1) * SLACK_MINUTE_MS) / QUESTIONS;
      await paced(due);
    }
    expect(sent.every((s) => s.status === 200)).toBe(true);
    await Promise.all(sent.map((s) => h!.turnFinished(s.eventId, 60_000)));

    for (const s of sent) {
      const root = h.slack.messages(s.channel).find((m) => m.text.endsWith(` ${s.q}`) && m.user === 'U1')!;
      const replies = h.replies(s.channel, root.ts);
      expect(
        replies.map((m) => m.text),
        s.q,
      ).toEqual([answerFor(s.q)]);
      expect(replies[0]!.streaming_state, s.q).not.toBe('in_progress');
    }
    // The storm was real: Slack refused calls, and the bot fell back from streaming for some answers.
    expect(h.slack.rateLimitedCount()).toBeGreaterThan(0);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.ok).length).toBeGreaterThan(0);
    expect(h.openai.responsesRequests()).toHaveLength(QUESTIONS);
  }, 120_000);
});
