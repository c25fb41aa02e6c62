import { describe, expect, it } from 'vitest';
import { fitAttachments } from '../../../src/turn/attachment-budget.js';
import { imageTokens, itemImageTokens } from '../../../src/turn/image-tokens.js';
import type { ThreadItem } from '../../../src/turn/thread.js';

describe('image token estimate (gpt-4o)', () => {
  it("matches OpenAI's published examples", () => {
    expect(imageTokens(1024, 1024, 'high')).toBe(765);
    expect(imageTokens(2048, 4096, 'high')).toBe(1105);
    expect(imageTokens(4096, 8192, 'low')).toBe(85);
  });

  it('fits into 2048 first, so a huge capture costs what its downscaled copy costs', () => {
    expect(imageTokens(4000, 3000, 'high')).toBe(imageTokens(2048, 1536, 'high'));
    expect(imageTokens(4000, 3000, 'high')).toBe(85 + 170 * 4); // 1024×768 → 2×2 tiles
  });

  it('counts auto like high, never scales small images up, and treats a missing size as the minimum', () => {
    expect(imageTokens(1024, 1024, 'auto')).toBe(765);
    expect(imageTokens(500, 300, 'high')).toBe(85 + 170);
    expect(imageTokens(0, 0, 'high')).toBe(85);
  });

  it('sums the images an item still carries', () => {
    const data = new Uint8Array(10);
    const item: ThreadItem = {
      type: 'user',
      ts: '1',
      userId: 'U1',
      userName: 'Ada',
      text: 'see',
      attachments: [
        { kind: 'image', id: 'a', name: 'a.png', mime: 'image/png', width: 1024, height: 1024, detail: 'high', data },
        { kind: 'image', id: 'b', name: 'b.png', mime: 'image/png', width: 1024, height: 1024, detail: 'low', data },
        { kind: 'image', id: 'c', name: 'c.png', mime: 'image/png', width: 1024, height: 1024, detail: 'high' },
      ],
    };
    expect(itemImageTokens(item)).toBe(765 + 85);
  });
});

describe('keeping a request within the file byte limit', () => {
  const img = (id: string, size: number) => ({
    kind: 'image' as const,
    id,
    name: `${id}.png`,
    mime: 'image/png' as const,
    width: 10,
    height: 10,
    detail: 'auto' as const,
    data: new Uint8Array(size),
  });
  const user = (ts: string, attachments: ReturnType<typeof img>[]): ThreadItem => ({
    type: 'user',
    ts,
    userId: 'U1',
    userName: 'Ada',
    text: ts,
    attachments,
  });

  it('keeps the newest files and leaves out the bytes of older ones beyond the limit', () => {
    const items = [
      user('1', [img('old', 600)]),
      { type: 'assistant' as const, text: 'ok' },
      user('2', [img('mid', 300), img('new', 300)]),
    ];
    const out = fitAttachments(items, 700);
    const kept = out.flatMap((i) =>
      i.type === 'user'
        ? (i.attachments ?? []).map((a) => [a.kind === 'text' ? a.name : a.id, a.kind !== 'text' && Boolean(a.data)])
        : [],
    );
    expect(kept).toEqual([
      ['old', false],
      ['mid', true],
      ['new', true],
    ]);
    expect((items[0] as { attachments: Array<{ data?: Uint8Array }> }).attachments[0]!.data).toBeDefined(); // input untouched
  });
});
