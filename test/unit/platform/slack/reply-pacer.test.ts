import { describe, expect, it } from 'vitest';
import { ReplyPacer } from '../../../../src/platform/slack/reply-pacer.js';

const free = { readyAt: 0, spacing: 0 };

function pacer(firstFlushMs = 0, intervalMs = 1_000) {
  let now = 10_000;
  const p = new ReplyPacer({ firstFlushMs, intervalMs }, () => now);
  return { p, at: (t: number) => (now = t) };
}

describe('when a streaming reply writes next', () => {
  it('writes the first words as soon as the first token arrives', () => {
    const { p, at } = pacer();
    at(10_250);
    p.textArrived();
    expect(p.dueAt(free)).toBe(10_250);
  });

  it('gathers the first words for first_flush_ms when it is set', () => {
    const { p } = pacer(120);
    p.textArrived();
    expect(p.dueAt(free)).toBe(10_120);
  });

  it('writes at most once per interval and a quarter after the first words, counted from when the last write began', () => {
    const { p, at } = pacer();
    p.textArrived();
    p.writing();
    at(10_400);
    // The quarter is the grace in which an answer that ends turns the write into the closing call.
    expect(p.dueAt(free)).toBe(11_250);
  });

  it('never writes before Slack allows it, and keeps to the shared budget after a 429', () => {
    const { p } = pacer();
    p.textArrived();
    expect(p.dueAt({ readyAt: 12_000, spacing: 0 })).toBe(12_000);
    p.writing();
    expect(p.dueAt({ readyAt: 0, spacing: 6_000 })).toBe(16_250);
  });

  it('doubles its own interval every time Slack pushes back, up to 8 s', () => {
    const { p } = pacer();
    p.textArrived();
    p.writing();
    p.pushedBack();
    expect(p.dueAt(free)).toBe(12_250);
    for (let i = 0; i < 5; i++) p.pushedBack();
    expect(p.dueAt(free)).toBe(18_250);
  });
});
