import { describe, expect, it } from 'vitest';
import { closingFence, safeCutPoint } from '../../../../src/platform/slack/markdown-split.js';

/** Deterministic PRNG so a failing property case can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(seed: number, maxBlocks = 30) {
  const r = rng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!;
  const word = (): string => {
    const roll = r();
    if (roll < 0.03) return 'x'.repeat(int(30, 400)); // a URL-like run with no spaces
    if (roll < 0.08) return '😀';
    return Array.from({ length: int(1, 10) }, () => pick([...'abcdefghijklmnopqrstuvwxyz.,!?*_'])).join('');
  };
  const words = (n: number): string => Array.from({ length: n }, word).join(' ');
  const paragraph = (): string => Array.from({ length: int(1, 4) }, () => words(int(1, 40))).join('\n');
  const list = (): string =>
    Array.from({ length: int(2, 8) }, (_, i) =>
      r() < 0.5 ? `- ${words(int(1, 15))}` : `${i + 1}. ${words(int(1, 15))}`,
    ).join('\n');
  const code = (): string => {
    const [indent, open, close] = pick([
      ['', '```', '```'],
      ['', '```ts', '```'],
      ['', '~~~', '~~~'],
      ['', '````python', '````'],
      ['   ', '```sh', '```'],
    ] as const);
    const body = Array.from({ length: int(1, 60) }, () => {
      if (r() < 0.1) return '';
      return indent + ' '.repeat(int(0, 6)) + (r() < 0.05 ? 'y'.repeat(int(50, 300)) : words(int(1, 12)));
    });
    return [indent + open, ...body, indent + close].join('\n');
  };
  return (): string =>
    Array.from({ length: int(1, maxBlocks) }, () => pick([paragraph, paragraph, list, code])()).join('\n\n');
}

/**
 * An independent reading of which non-space characters are prose and which are code (fence lines excluded), so a
 * split can be checked for losing, duplicating or moving a character into or out of a code block.
 */
function contentOf(markdown: string): { prose: string; code: string; openAtEnd: boolean } {
  let prose = '';
  let code = '';
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})(.*)$/.exec(line);
    if (fence) {
      if (marker && marker[1]![0] === fence[0] && marker[1]!.length >= fence.length && !marker[2]!.trim()) fence = null;
      else code += line.replace(/\s+/g, '');
    } else if (marker && !(marker[1]!.startsWith('`') && marker[2]!.includes('`'))) {
      fence = marker[1]!;
    } else {
      prose += line.replace(/\s+/g, '');
    }
  }
  return { prose, code, openAtEnd: fence !== null };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const para = (n: number, ch = 'a'): string => `${ch.repeat(4)} `.repeat(n).trim();

describe('safeCutPoint', () => {
  it('when everything fits, the cut is at the end and reports whether a code block is still open', () => {
    expect(safeCutPoint('Hello\n\nworld', 100)).toEqual({ index: 12, resume: 12, openFence: null });
    expect(safeCutPoint('Look:\n```js\nlet a', 100)).toEqual({ index: 17, resume: 17, openFence: '```js' });
  });

  it('a live answer is cut after the last paragraph that fits, skipping the blank lines between', () => {
    const text = `${para(5)}\n\n${para(5, 'b')}\n\n\n${para(5, 'c')}`;
    const cut = safeCutPoint(text, 60);
    expect(text.slice(0, cut.index)).toBe(`${para(5)}\n\n${para(5, 'b')}`);
    expect(text.slice(cut.resume)).toBe(para(5, 'c'));
    expect(cut.openFence).toBeNull();
  });

  it('a cut inside a long code block reports the fence to reopen and leaves room to close it', () => {
    const text = `\`\`\`ts\n${'let x = 1;\n'.repeat(20)}`;
    const cut = safeCutPoint(text, 50);
    expect(cut.openFence).toBe('```ts');
    const piece = `${text.slice(0, cut.index)}\n${closingFence(cut.openFence!)}`;
    expect(piece.length).toBeLessThanOrEqual(50);
    expect(piece.endsWith('let x = 1;\n```')).toBe(true);
    expect(text[cut.index]).toBe('\n');
    expect(cut.resume).toBe(cut.index + 1);
  });

  it('prefers cutting before a code block to cutting inside it', () => {
    const text = `Intro line\n\`\`\`\n${'code\n'.repeat(30)}\`\`\``;
    expect(safeCutPoint(text, 60)).toEqual({ index: 10, resume: 11, openFence: null });
  });

  it('never leaves an empty code block behind by cutting right after the opening fence', () => {
    const text = `\`\`\`\n${'z'.repeat(100)}`;
    const cut = safeCutPoint(text, 50);
    expect(cut.index).toBeGreaterThan(4);
    expect(cut.openFence).toBe('```');
  });

  it('closingFence matches the marker and indentation of the opening line', () => {
    expect(closingFence('```ts')).toBe('```');
    expect(closingFence('  ~~~~ yaml')).toBe('  ~~~~');
  });

  it('property: a cut always fits, makes progress and drops only whitespace', () => {
    // Bounded size (up to 8 blocks, a few thousand characters): every construct still mixes, and the check
    // stays well under a second on a loaded machine.
    for (let seed = 1; seed <= 120; seed++) {
      const text = generator(seed, 8)();
      for (const max of [40, 333, 4_000]) {
        const cut = safeCutPoint(text, max);
        const closing = cut.openFence ? closingFence(cut.openFence).length + 1 : 0;
        expect(cut.index).toBeGreaterThanOrEqual(1);
        expect(cut.index + closing).toBeLessThanOrEqual(max);
        expect(cut.resume).toBeGreaterThanOrEqual(cut.index);
        expect(text.slice(cut.index, cut.resume).trim()).toBe('');
        expect(text.slice(0, cut.index)).not.toMatch(LONE_SURROGATE);
        expect(contentOf(text.slice(0, cut.index)).openAtEnd).toBe(cut.openFence !== null);
      }
    }
  });

  it('nothing to cut when there is no text or no room', () => {
    expect(safeCutPoint('', 10)).toEqual({ index: 0, resume: 0, openFence: null });
    expect(safeCutPoint('abc', 0)).toEqual({ index: 0, resume: 0, openFence: null });
  });
});
