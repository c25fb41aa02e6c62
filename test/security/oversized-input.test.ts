// Input far beyond what the model can read must be cut visibly, never silently.
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from '../integration/harness.js';

let h: Harness;
afterEach(async () => h?.stop());

type Input = Array<{ role?: string; content: string | Array<{ type: string; text?: string }> }>;

describe('a question too long for the context window', () => {
  it('a 1 MB question is answered from its beginning and end, and the answer says how much was read', async () => {
    h = await new Harness().start();
    const question = `START ${'lorem ipsum dolor sit amet '.repeat(38_835)}END`;
    expect(question.length).toBeGreaterThan(1_000_000);
    h.openai.enqueue({ kind: 'text', text: 'Here is what I found.' });
    const sent = await h.message({ channel: 'D0ADA', text: question });
    await h.turnFinished(sent.eventId, 60_000);

    const input = h.openai.responsesRequests()[0]!.body.input as Input;
    const user = input.filter((m) => m.role === 'user').at(-1)!;
    const sentText = typeof user.content === 'string' ? user.content : user.content.map((p) => p.text ?? '').join('');
    expect(sentText.length).toBeLessThan(question.length);
    expect(sentText).toContain('START');
    expect(sentText).toContain('END');

    const [reply] = h.replies('D0ADA', h.slack.messages('D0ADA')[0]!.ts);
    expect(reply!.text).toMatch(
      /^Here is what I found\.\n\n✂️ _Your message was too long to read in full: I read about /,
    );
    expect(reply!.text).toContain(
      `of its ${question.length.toLocaleString('en-US')} characters (the beginning and the end)._`,
    );
    const read = Number(/I read about ([\d,]+)/.exec(reply!.text)![1]!.replace(/,/g, ''));
    expect(Math.abs(read - sentText.length)).toBeLessThan(200);
  }, 90_000);
});
