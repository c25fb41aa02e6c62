import { describe, expect, it } from 'vitest';
import { closingFence, safeCutPoint, splitMarkdown } from '../../../../src/platform/slack/markdown-split.js';

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

function generator(seed: number) {
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
    Array.from({ length: int(1, 30) }, () => pick([paragraph, paragraph, list, code])()).join('\n\n');
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

function expectFaithfulSplit(text: string, chunks: string[], limit: number): void {
  for (const chunk of chunks) {
    expect(chunk.length).toBeLessThanOrEqual(limit);
    expect(chunk.trim()).not.toBe('');
    expect(chunk).not.toMatch(LONE_SURROGATE);
    expect(contentOf(chunk).openAtEnd).toBe(false);
  }
  const original = contentOf(text);
  const parts = chunks.map(contentOf);
  expect(parts.map((p) => p.prose).join('')).toBe(original.prose);
  expect(parts.map((p) => p.code).join('')).toBe(original.code);
}

const para = (n: number, ch = 'a'): string => `${ch.repeat(4)} `.repeat(n).trim();

describe('splitMarkdown', () => {
  it('a short answer stays in one message, untouched', () => {
    expect(splitMarkdown('Hello **there**\n\n- one\n- two', 12_000)).toEqual(['Hello **there**\n\n- one\n- two']);
  });

  it('an empty or blank answer produces no messages', () => {
    expect(splitMarkdown('', 100)).toEqual([]);
    expect(splitMarkdown(' \n\n \n', 100)).toEqual([]);
  });

  it('surrounding blank lines are not sent', () => {
    expect(splitMarkdown('\n\n  hi\n\n', 100)).toEqual(['  hi']);
  });

  it('a long answer splits between paragraphs, and the paragraphs come back exactly when rejoined', () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => para(15, String.fromCharCode(97 + i)));
    const text = paragraphs.join('\n\n');
    const chunks = splitMarkdown(text, 200);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('\n\n')).toBe(text);
    // Whole paragraphs only: no chunk starts or ends mid-paragraph.
    for (const chunk of chunks) for (const p of chunk.split('\n\n')) expect(paragraphs).toContain(p);
  });

  it('a paragraph boundary is preferred over a later line boundary', () => {
    const text = `${para(5)}\n\n${para(5, 'b')}\n${para(5, 'c')}\n${para(5, 'd')}`;
    expect(splitMarkdown(text, 80)[0]).toBe(para(5));
  });

  it('a long list with no blank lines splits between items, never inside one', () => {
    const items = Array.from({ length: 40 }, (_, i) => `- item ${i} ${para(3)}`);
    const chunks = splitMarkdown(items.join('\n'), 150);
    expect(chunks.join('\n')).toBe(items.join('\n'));
    for (const chunk of chunks) for (const line of chunk.split('\n')) expect(items).toContain(line);
  });

  it('a code block that fits a message moves whole to the next message instead of being cut', () => {
    const block = '```ts\nconst a = 1;\nconst b = 2;\n```';
    const text = `${para(10)}\n${block}`;
    expect(splitMarkdown(text, 70)).toEqual([para(10), block]);
  });

  it('a code block longer than a message is closed at the end of one and reopened with its language in the next', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `  const value${i} = compute(${i});`);
    const text = `Here is the code:\n\n\`\`\`ts\n${lines.join('\n')}\n\`\`\`\n\nThat is all.`;
    const chunks = splitMarkdown(text, 300);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks[0]).toBe('Here is the code:');
    for (const chunk of chunks.slice(1, -1)) {
      expect(chunk.startsWith('```ts\n')).toBe(true);
      expect(chunk.endsWith('\n```')).toBe(true);
    }
    // Every code line survives intact, indentation included, exactly once.
    const codeLines = chunks.flatMap((c) => c.split('\n')).filter((l) => l.startsWith('  const'));
    expect(codeLines).toEqual(lines);
    expectFaithfulSplit(text, chunks, 300);
  });

  it('tilde and four-backtick fences are closed with their own marker, so they really close', () => {
    for (const [open, close] of [
      ['~~~', '~~~'],
      ['````md', '````'],
    ] as const) {
      const text = [open, ...Array.from({ length: 20 }, (_, i) => `line ${i} ${para(4)}`), close].join('\n');
      const chunks = splitMarkdown(text, 120);
      expect(chunks.length).toBeGreaterThan(1);
      for (const chunk of chunks) {
        expect(chunk.startsWith(`${open}\n`)).toBe(true);
        expect(chunk.endsWith(`\n${close}`)).toBe(true);
      }
      expectFaithfulSplit(text, chunks, 120);
    }
  });

  it('a code block indented inside a list item is reopened with the same indentation', () => {
    const text = [
      '1. Run this:',
      '',
      '   ```sh',
      ...Array.from({ length: 20 }, (_, i) => `   echo step ${i}`),
      '   ```',
    ].join('\n');
    const chunks = splitMarkdown(text, 120);
    for (const chunk of chunks.slice(1)) expect(chunk.startsWith('   ```sh\n')).toBe(true);
    for (const chunk of chunks.slice(1, -1)) expect(chunk.endsWith('\n   ```')).toBe(true);
    expectFaithfulSplit(text, chunks, 120);
  });

  it('```inline``` code on a single line is not mistaken for the start of a code block', () => {
    const text = `Use \`\`\`x\`\`\` here.\n\n${para(20)}\n\n${para(20)}`;
    const chunks = splitMarkdown(text, 120);
    expect(chunks.some((c) => c.endsWith('\n```'))).toBe(false);
    expect(chunks.join('\n\n')).toBe(text);
  });

  it('a code block the model never closed is still closed at every cut', () => {
    const text = `\`\`\`py\n${Array.from({ length: 30 }, (_, i) => `print(${i})`).join('\n')}`;
    const chunks = splitMarkdown(text, 80);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.endsWith('\n```')).toBe(true);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(80);
  });

  it('a single overlong line is cut at a space, dropping only that space', () => {
    const text = para(60);
    const chunks = splitMarkdown(text, 100);
    expect(chunks.join(' ')).toBe(text);
    for (const chunk of chunks) expect(chunk).toMatch(/^a{4}( a{4})*$/);
  });

  it('a run with no spaces at all (a huge URL) is cut at exactly the limit, losing nothing', () => {
    const text = 'h'.repeat(250);
    expect(splitMarkdown(text, 100)).toEqual(['h'.repeat(100), 'h'.repeat(100), 'h'.repeat(50)]);
  });

  it('emoji are never split in half', () => {
    const text = '😀'.repeat(100); // 200 UTF-16 units
    const chunks = splitMarkdown(text, 51);
    expect(chunks.join('')).toBe(text);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(51);
      expect(chunk).not.toMatch(LONE_SURROGATE);
    }
  });

  it('even a tiny limit terminates and keeps every character', () => {
    const text = '```typescript-long-info\ncode line\n```';
    for (const limit of [1, 5, 12, 20]) {
      const chunks = splitMarkdown(text, limit);
      for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(limit);
      expect(chunks.join('').replace(/\s|`/g, '')).toContain('codeline');
    }
  });

  it('rejects a limit that cannot hold any text', () => {
    expect(() => splitMarkdown('x', 0)).toThrow(RangeError);
    expect(() => splitMarkdown('x', 1.5)).toThrow(RangeError);
  });

  it("a 50,000-character answer splits into messages under Slack's limits without cutting a code block open", () => {
    let text = '';
    for (let seed = 1000; text.length < 20_000; seed++) text += `${generator(seed)()}\n\n`;
    const answer = `${text}\n\n\`\`\`ts\n${'const big = "x";\n'.repeat(1_500)}\`\`\`\n\n${para(2_000)}`;
    expect(answer.length).toBeGreaterThan(50_000);
    for (const limit of [12_000, 40_000]) {
      const chunks = splitMarkdown(answer, limit);
      expect(chunks.length).toBeGreaterThanOrEqual(Math.ceil(answer.length / limit));
      expectFaithfulSplit(answer, chunks, limit);
    }
  });

  it('property: random answers of prose, lists and code split faithfully at any reasonable limit', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const text = generator(seed)();
      for (const limit of [40, 97, 256, 1_000, 12_000]) {
        const chunks = splitMarkdown(text, limit);
        try {
          expectFaithfulSplit(text, chunks, limit);
        } catch (err) {
          throw new Error(`seed ${seed}, limit ${limit}: ${(err as Error).message}`);
        }
      }
    }
  });
});

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
    for (let seed = 1; seed <= 120; seed++) {
      const text = generator(seed)();
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
