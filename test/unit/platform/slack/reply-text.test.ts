import { describe, expect, it } from 'vitest';
import { MESSAGE_LIMIT, ReplyText } from '../../../../src/platform/slack/reply-text.js';

const codeLines = (n: number) => Array.from({ length: n }, (_, i) => `let v${i} = ${i};`).join('\n');

describe('the text of a reply', () => {
  it('keeps text pending until Slack accepted it', () => {
    const t = new ReplyText();
    t.add('Hello ');
    const piece = t.next(false)!;
    t.add('world');
    expect(t.pending).toBe('Hello world');
    t.accepted(piece);
    expect([t.sent, t.pending]).toEqual(['Hello ', 'world']);
  });

  it('closes a code block at the 12,000-character rollover and reopens it, with its language, in the next message', () => {
    const t = new ReplyText();
    t.add(`~~~python\n${codeLines(1_200)}\n~~~\n\nDone.`);
    const piece = t.next(false)!;
    expect(piece.rollover).toBe(true);
    expect(piece.text.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
    expect(piece.text.endsWith('\n~~~')).toBe(true);
    expect(piece.reopen).toBe('~~~python');
    t.accepted(piece);
    t.newMessage(piece.reopen);
    expect(t.sent).toBe('');
    expect(t.pending.startsWith('~~~python\nlet v')).toBe(true);
  });

  it('only cuts what is not shown yet', () => {
    const t = new ReplyText();
    t.add('Short intro.\n\n```\n');
    t.accepted(t.next(false)!);
    t.add(codeLines(1_200));
    const piece = t.next(false)!;
    // The paragraph break in the part already shown is no place to cut any more: the cut is inside the code.
    expect(piece.rollover).toBe(true);
    expect(piece.reopen).toBe('```');
    expect(t.sent.length + piece.text.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
  });

  it('keeps room at the end of a message for a closing fence while the answer grows, and fills it when complete', () => {
    const t = new ReplyText();
    t.add('x'.repeat(MESSAGE_LIMIT - 10));
    expect(t.next(false)!.text.length).toBe(MESSAGE_LIMIT - 32);
    t.accepted(t.next(false)!);
    expect(t.next(false)).toBeNull();
    expect(t.next(true)!.text).toBe('x'.repeat(22));
  });
});
