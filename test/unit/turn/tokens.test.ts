import { describe, expect, it } from 'vitest';
import { imageTokens, itemImageTokens } from '../../../src/turn/image-tokens.js';
import type { Attachment, ThreadItem } from '../../../src/turn/thread.js';
import { TokenCounter } from '../../../src/turn/tokens.js';

const SCREENSHOT_BYTES = 1.5 * 1024 * 1024;

const screenshot = (fill: number, data = new Uint8Array(SCREENSHOT_BYTES).fill(fill)): Attachment => ({
  kind: 'image',
  id: 'F1',
  name: 'checkout.png',
  mime: 'image/png',
  width: 2880,
  height: 1800,
  detail: 'high',
  data,
});
const question = (attachments: Attachment[]): ThreadItem => ({
  type: 'user',
  ts: '1700000000.000100',
  userId: 'U1',
  userName: 'Ada',
  text: 'checkout fails, see the screenshot',
  attachments,
});

/** Bytes that cannot be read: any serialisation or copy of them throws. */
class UnreadableBytes extends Uint8Array {
  toJSON(): never {
    throw new Error('the screenshot bytes were serialised');
  }
}

describe('counting tokens of a thread with screenshots', () => {
  it('never serialises the screenshot bytes', () => {
    const counter = new TokenCounter({ extraTokens: itemImageTokens });
    const item = question([screenshot(0, new UnreadableBytes(SCREENSHOT_BYTES))]);
    expect(() => counter.item(item)).not.toThrow();
  });

  it('serves the same screenshot again from the cache whatever its bytes, and counts it by size and detail', () => {
    let counted = 0;
    const counter = new TokenCounter({ extraTokens: (i) => (counted++, itemImageTokens(i)) });
    const first = counter.item(question([screenshot(1)]));
    const again = counter.item(question([screenshot(2)]));
    expect(again).toBe(first);
    expect(counted).toBe(1);
    expect(first - counter.text('Ada: checkout fails, see the screenshot')).toBe(4 + imageTokens(2880, 1800, 'high'));
  });

  it('counts a screenshot again once its bytes are forgotten, or its detail or size changes', () => {
    const counter = new TokenCounter({ extraTokens: itemImageTokens });
    const withBytes = counter.item(question([screenshot(1)]));
    const { data: _data, ...forgotten } = screenshot(1) as Extract<Attachment, { kind: 'image' }>;
    expect(counter.item(question([forgotten]))).toBe(withBytes - imageTokens(2880, 1800, 'high'));
    expect(counter.item(question([{ ...screenshot(1), detail: 'low' } as Attachment]))).toBe(
      withBytes - imageTokens(2880, 1800, 'high') + 85,
    );
    expect(counter.item(question([{ ...screenshot(1), width: 400, height: 300 } as Attachment]))).toBe(
      withBytes - imageTokens(2880, 1800, 'high') + imageTokens(400, 300, 'high'),
    );
  });
});
