import { appMention, messageEvent, newEventId } from '../test/fakes/slack-events.js';
import type { Bot } from './bots.js';
import type { Fakes } from './fakes.js';
import { commonPrefix } from './stats.js';

const CHARS_PER_TOKEN = 4;
const BLOCK_CHARS = 128 * CHARS_PER_TOKEN; // OpenAI's prompt cache matches in 128-token blocks

/**
 * A 30-turn thread: the input size of the last turn and the share of all input that repeats the previous
 * request's prefix in whole cache blocks (what the prompt cache can serve).
 */
export async function prefixShare(
  bot: Bot,
  fakes: Fakes,
  turns = 30,
): Promise<{ lastInputTokens: number; share: number }> {
  fakes.answerWith((req) => ({
    kind: 'text',
    text: `Answer to turn ${((req.body?.input as unknown[] | undefined) ?? []).length}: ${'detail '.repeat(60)}`,
  }));
  const before = fakes.openai.responsesRequests().length;
  const channel = 'C0PREFIX';
  const root = appMention({
    user: 'U0B0000',
    channel,
    text: `<@${fakes.slack.botUserId}> start ${'context '.repeat(80)}`,
  });
  for (let t = 0; t < turns; t++) {
    const event =
      t === 0
        ? root
        : messageEvent({
            user: 'U0B0000',
            channel,
            thread_ts: String(root.ts),
            text: `follow-up ${t}: ${'more words '.repeat(40)}`,
          });
    const id = newEventId();
    await bot.deliver(event, id);
    await bot.finished(id, channel, 60_000);
  }
  const serialized = fakes.openai
    .responsesRequests()
    .slice(before)
    .map((r) => JSON.stringify({ instructions: r.body.instructions, tools: r.body.tools, input: r.body.input }));
  let cached = 0;
  let total = 0;
  for (let i = 1; i < serialized.length; i++) {
    cached += Math.floor(commonPrefix(serialized[i - 1]!, serialized[i]!) / BLOCK_CHARS) * BLOCK_CHARS;
    total += serialized[i]!.length;
  }
  const last = fakes.openai.responsesRequests().at(-1)!;
  return {
    lastInputTokens: Math.round(JSON.stringify(last.body.input).length / CHARS_PER_TOKEN),
    share: cached / total,
  };
}
