import { describe, expect, it } from 'vitest';
import { limitedTriage } from '../../../../src/features/triage/limited-triage.js';
import type { TriageInput, TriageOutcome } from '../../../../src/features/triage/port.js';
import { OpenAIRateLimiter } from '../../../../src/platform/openai/rate-limiter.js';

const input: TriageInput = { model: 'gpt-4o', text: 'Checkout fails with 502', images: [], safetyIdentifier: 'h' };

describe('triage calls and the app-level OpenAI limiter', () => {
  it('wait for a free slot like turns do, and free it when done', async () => {
    const limiter = new OpenAIRateLimiter({ maxConcurrent: 1 });
    const started: string[] = [];
    let finishFirst!: () => void;
    const inner = async (i: TriageInput): Promise<TriageOutcome> => {
      started.push(i.text);
      if (started.length === 1) await new Promise<void>((r) => (finishFirst = r));
      return { kind: 'failed', error: 'not needed here' };
    };
    const triage = limitedTriage(inner, limiter, 1_500);
    const first = triage({ ...input, text: 'first' });
    const second = triage({ ...input, text: 'second' });
    // Everything already scheduled runs; no time passes. The second call may only start once the first is done.
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(['first']);
    finishFirst();
    await Promise.all([first, second]);
    expect(started).toEqual(['first', 'second']);
    expect(limiter.stats().running).toBe(0);
  });
});
