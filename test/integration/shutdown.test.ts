import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './harness.js';

let h: Harness | undefined;
let release: (() => void) | undefined;
afterEach(async () => {
  release?.();
  await h?.stop();
  h = release = undefined;
});

describe('stopping the bot', () => {
  it('ends at the grace period while an answer is still being written, leaving that turn to another replica', async () => {
    h = await new Harness({ shutdownGraceMs: 200 }).start();
    // The model holds its answer until after the stop, so the turn outlives the grace period.
    h.openai.enqueue({ kind: 'text', text: 'Too late.', hold: new Promise<void>((r) => (release = r)) });
    const sent = await h.mention({ text: 'a slow question' });
    await h.until(() => h!.openai.responsesRequests().length === 1, 'the model request');

    await h.stopBot();

    const over = await h.waitForLog((l) => String(l.msg).startsWith('shutdown grace over'));
    expect(over.running).toBe(1);
    expect(h.logs.some((l) => l.includes('"threadwise stopped"'))).toBe(true);
    // Still unfinished: it was not cut short with an error, its job stays for the replica that takes it over.
    expect(h.logs.some((l) => l.includes('"turn finished"') && l.includes(sent.eventId))).toBe(false);
  });
});
