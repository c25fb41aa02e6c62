import { describe, expect, it } from 'vitest';
import { MarkdownGuard, neutraliseMarkdown } from '../../../../src/platform/slack/markdown-guard.js';
import { liveInMarkdown } from '../../../fakes/slack-markup.js';

/** What a reader sees: zero-width breaks are invisible and `‹` reads as the `<` it stands in for. */
const visible = (s: string) => s.replace(/\u200B/g, '').replace(/\u2039/g, '<');
/** The same for the original, where an entity may have spelled that `<`. */
const readable = (s: string) => s.replace(/&lt;|&#0*60;|&#x0*3c;/gi, '<');
const isSafeLink = (target: string) => /^(?:https?|mailto):/i.test(target);
/** Live markup a model, tool, ticket or person must never produce: everything except plain http(s)/mailto links. */
const hostile = (s: string) =>
  liveInMarkdown(s).filter((l) => !(l.kind === 'link' && !l.labelled && isSafeLink(l.target)));

const ATTACKS = [
  '<!channel> outage!',
  'ping <!here|here> and <!everyone>',
  'paging <!subteam^S0ONCALL|@oncall> now',
  'ask <@U0BOSS> or <@W0ADMIN|boss>, see <#C0SECRET|secret>',
  '<https://evil.example|https://docs.example.com>',
  '<evil.example|click here>',
  '<javascript:alert(1)>',
  '[click](javascript:alert(1))',
  '[click]( <JaVaScRiPt:alert(1)> "t")',
  '![img](data:text/html;base64,PHNjcmlwdD4=)',
  '[x](java&#115;cript:alert(1))',
  '[x](&#106;avascript:alert(1))',
  '[x][r]\n\n[r]: javascript:alert(1)',
  '[r]:\n  vbscript:msgbox',
  '&lt;!channel&gt; and &#60;!here&#62; and &#x3C;@U0BOSS&#x3E;',
  '<&#33;channel>',
  '<!date^1700000000^{date}^https://evil.example|today>',
  '`<!channel>` and ```\n<@U0BOSS>\n```',
  '<!channel\n|multi-line>',
];

describe('neutraliseMarkdown', () => {
  it.each(ATTACKS)('leaves nothing live in %j, and the reader still sees what was written', (attack) => {
    const out = neutraliseMarkdown(attack);
    expect(hostile(attack).length).toBeGreaterThan(0);
    expect(hostile(out)).toEqual([]);
    expect(visible(out)).toBe(readable(attack));
  });

  it('keeps ordinary Markdown, code and http(s) links exactly as written', () => {
    const ordinary = [
      '**Bold** _it_ [the docs](https://example.com/docs) <https://example.com/a> [mail](mailto:a@b.example)',
      '```html\n<!DOCTYPE html>\n<!-- note -->\n<div class="x">a < b && c > d</div>\n```',
      'if (a < b || c > d) { handlers[name](args); }',
      'interface M { [key: string]: number }',
      '[relative](/path) and [anchor](#top) and `List<String>` and a <b>tag</b> and AT&T &amp; co',
      '# 1 < 2 > 0; email me@example.com; <# PowerShell comment #>',
    ];
    for (const text of ordinary) expect(neutraliseMarkdown(text)).toBe(text);
  });

  it('streamed in pieces of any size, the answer is as safe as when neutralised whole', () => {
    const text = ATTACKS.join('\n\n');
    const whole = neutraliseMarkdown(text);
    for (const size of [1, 2, 3, 5, 7, 13]) {
      const guard = new MarkdownGuard();
      let out = '';
      for (let i = 0; i < text.length; i += size) out += guard.push(text.slice(i, i + size));
      out += guard.flush();
      expect(out).toBe(whole);
      expect(hostile(out)).toEqual([]);
    }
  });

  it('a broadcast split across two pieces (<!chan + nel>) cannot slip through, and nothing is lost', () => {
    const guard = new MarkdownGuard();
    const first = guard.push('Heads up <');
    const second = guard.push('!chan');
    const third = guard.push('nel> now');
    const out = first + second + third + guard.flush();
    expect(first).toBe('Heads up ');
    expect(hostile(out)).toEqual([]);
    expect(visible(out)).toBe('Heads up <!channel> now');
  });

  it('holds back only what is undecided: ordinary text passes at once', () => {
    const guard = new MarkdownGuard();
    expect(guard.push('plain words ')).toBe('plain words ');
    expect(guard.push('a <')).toBe('a ');
    expect(guard.push(' b')).toBe('< b');
    expect(guard.push('see [x]')).toBe('see [x');
    expect(guard.push(' done')).toBe('] done');
    guard.push('<!cha');
    guard.reset();
    expect(guard.flush()).toBe('');
  });

  it('a sequence left open for very long is broken rather than held back without end', () => {
    const guard = new MarkdownGuard();
    const out = guard.push(`<${'x'.repeat(3_000)}`);
    expect(out.startsWith('\u2039x')).toBe(true);
  });

  it('property: random mixes of hostile fragments never come out live, whole or streamed', () => {
    const parts = [
      '<',
      '>',
      '!',
      '@',
      '#',
      '|',
      '&lt;',
      '&gt;',
      '&#60;',
      ']',
      '(',
      ')',
      ':',
      ' ',
      '\n',
      'channel',
      'here',
      'U1',
      'subteam^S1',
      'javascript',
      'https://x.example',
      'x',
      '[',
      '&',
    ];
    for (let seed = 1; seed <= 400; seed++) {
      let x = seed;
      const rnd = () => (x = (x * 48_271) % 2_147_483_647) / 2_147_483_647;
      const text = Array.from(
        { length: 5 + Math.floor(rnd() * 40) },
        () => parts[Math.floor(rnd() * parts.length)],
      ).join('');
      const whole = neutraliseMarkdown(text);
      expect(hostile(whole), text).toEqual([]);
      expect(readable(visible(whole))).toBe(readable(text));
      const guard = new MarkdownGuard();
      let streamed = '';
      for (let i = 0; i < text.length; ) {
        const size = 1 + Math.floor(rnd() * 4);
        streamed += guard.push(text.slice(i, i + size));
        i += size;
      }
      expect(streamed + guard.flush()).toBe(whole);
    }
  });
});
