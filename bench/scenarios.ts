import type { Script } from '../test/fakes/openai-server.js';
import { appMention, newEventId } from '../test/fakes/slack-events.js';
import type { Bot } from './bots.js';
import { channelOf, type Fakes, showsText, userId, WRITE_METHODS } from './fakes.js';
import { median, percentile } from './stats.js';

const CHARS_PER_TOKEN = 4;
export const TTFT_MS = 500;
const TOKENS_PER_S = 60;
/** A streamed answer: 120 tokens at 60 tokens/s after the first, i.e. ~2 s of streaming. */
export const STREAM_S = 2;
const TURN_TIMEOUT_MS = 300_000;

function streamedText(): string {
  const words: string[] = [];
  for (let i = 0; words.join(' ').length < STREAM_S * TOKENS_PER_S * CHARS_PER_TOKEN; i++)
    words.push(i % 30 === 29 ? `word${i}.\n\n` : `word${i}`);
  return words.join(' ');
}

export type Answer = 'streamed' | 'short';

const ANSWERS: Record<Answer, { text: string; script: () => Script }> = {
  streamed: {
    text: streamedText(),
    script: () => ({
      kind: 'text',
      text: streamedText(),
      chunkSize: CHARS_PER_TOKEN,
      firstTokenDelayMs: TTFT_MS,
      deltaDelayMs: 1000 / TOKENS_PER_S,
    }),
  },
  short: {
    text: 'Short answer for the throughput run.',
    script: () => ({ kind: 'text', text: 'Short answer for the throughput run.', chunkSize: 64 }),
  },
};

/** What one question measured. */
export interface Sample {
  sentAt: number;
  ackMs: number;
  /** Event sent → the request arriving at the OpenAI fake. */
  modelMs: number;
  /** The model's first token → the first Slack write with words in it. */
  visibleMs: number;
  writes: number;
  /** Whether the thread shows the whole answer. */
  complete: boolean;
  doneAt: number;
}

export interface Measured {
  answer: Answer;
  samples: Sample[];
  startedAt: number;
  slackCalls: number;
  cpuMs: number;
  loopP99Ms: number;
  loopMaxMs: number;
}

let seq = 0;

/**
 * `total` questions from distinct people in distinct channels, at most `inFlight` unanswered at once (a burst is
 * total = inFlight), each answered per `answer`.
 */
export async function ask(bot: Bot, fakes: Fakes, total: number, inFlight: number, answer: Answer): Promise<Measured> {
  fakes.answerWith(ANSWERS[answer].script);
  const questions = Array.from({ length: total }, (_, i) => {
    const tag = `q${++seq}`;
    const channel = `C0${tag.toUpperCase()}`;
    const event = appMention({
      user: userId(i),
      channel,
      text: `<@${fakes.slack.botUserId}> [${tag}] how do I do this?`,
    });
    return { tag, channel, ts: String(event.ts), event, eventId: newEventId(), sentAt: 0, ackMs: 0, doneAt: 0 };
  });
  const callsBefore = fakes.slack.calls.length;
  const before = await bot.probe();
  const startedAt = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, total) }, async () => {
      while (next < total) {
        const q = questions[next++]!;
        q.sentAt = Date.now();
        q.ackMs = await bot.deliver(q.event, q.eventId);
        q.doneAt = await bot.finished(q.eventId, q.channel, TURN_TIMEOUT_MS);
      }
    }),
  );
  const after = await bot.probe();

  const requests = new Map<string, number>();
  for (const r of fakes.openai.responsesRequests()) {
    const tag = /\[(q\d+)\]/.exec(JSON.stringify(r.body?.input ?? ''))?.[1];
    if (tag && !requests.has(tag)) requests.set(tag, r.at);
  }
  const byChannel = new Map<string, typeof fakes.slack.calls>();
  const calls = fakes.slack.calls.slice(callsBefore);
  for (const c of calls) {
    const ch = channelOf(c);
    if (ch) byChannel.set(ch, [...(byChannel.get(ch) ?? []), c]);
  }
  const ttft = answer === 'streamed' ? TTFT_MS : 0;
  const expected = ANSWERS[answer].text.replace(/\s+/g, '');
  const samples = questions.map((q): Sample => {
    const modelAt = requests.get(q.tag) ?? Number.NaN;
    const own = byChannel.get(q.channel) ?? [];
    const firstWords = own.find(showsText);
    const shown = fakes.slack
      .threadReplies(q.channel, q.ts)
      .map((m) => m.text)
      .join('');
    return {
      sentAt: q.sentAt,
      ackMs: q.ackMs,
      modelMs: modelAt - q.sentAt,
      visibleMs: firstWords ? firstWords.at - (modelAt + ttft) : Number.NaN,
      writes: own.filter((c) => c.ok && WRITE_METHODS.has(c.method)).length,
      // Whitespace is ignored: renderers may re-flow paragraph breaks.
      complete: shown.replace(/\s+/g, '').includes(expected),
      doneAt: q.doneAt,
    };
  });
  return {
    answer,
    samples,
    startedAt,
    slackCalls: calls.length,
    cpuMs: after.cpuMs - before.cpuMs,
    loopP99Ms: after.loop.p99,
    loopMaxMs: after.loop.max,
  };
}

/** One scenario's numbers (the columns of the report). */
export interface Row {
  ackP50: number;
  ackP99: number;
  modelP50: number;
  modelP99: number;
  visibleP50: number;
  writesPerStreamedS: number;
  slackCallsPerTurn: number;
  turnsPerS: number;
  cpuMsPerTurn: number;
  loopDelayP99: number;
  incomplete: number;
}

export function summarize(m: Measured): Row {
  const s = m.samples;
  const pick = (f: (x: Sample) => number) => s.map(f).filter(Number.isFinite);
  const lastDone = Math.max(...s.map((x) => x.doneAt));
  return {
    ackP50: median(pick((x) => x.ackMs)),
    ackP99: percentile(
      pick((x) => x.ackMs),
      99,
    ),
    modelP50: median(pick((x) => x.modelMs)),
    modelP99: percentile(
      pick((x) => x.modelMs),
      99,
    ),
    visibleP50: median(pick((x) => x.visibleMs)),
    writesPerStreamedS:
      m.answer === 'streamed' ? s.reduce((a, x) => a + x.writes, 0) / s.length / STREAM_S : Number.NaN,
    slackCallsPerTurn: m.slackCalls / s.length,
    turnsPerS: s.length / ((lastDone - m.startedAt) / 1000),
    cpuMsPerTurn: m.cpuMs / s.length,
    loopDelayP99: m.loopP99Ms,
    incomplete: s.filter((x) => !x.complete).length,
  };
}
