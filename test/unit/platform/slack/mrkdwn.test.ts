import { describe, expect, it } from 'vitest';
import {
  clipMrkdwn,
  escapeMrkdwn,
  httpUrl,
  mention,
  mrkdwn,
  plainPreview,
  slackDate,
  slackLink,
} from '../../../../src/platform/slack/mrkdwn.js';
import { liveInMrkdwn } from '../../../fakes/slack-markup.js';

/** Every `<` in mrkdwn starts Slack syntax; this lists what Slack would treat as a link, mention or command. */
const controlSequences = (s: string): string[] => s.match(/<[^<>]*>/g) ?? [];

describe('escapeMrkdwn', () => {
  it('escapes exactly &, < and >, ampersands first so nothing is escaped twice', () => {
    expect(escapeMrkdwn('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
    expect(escapeMrkdwn('&lt;')).toBe('&amp;lt;');
    expect(escapeMrkdwn('*bold* _it_ "q" \'s\'')).toBe('*bold* _it_ "q" \'s\'');
  });
});

describe('mrkdwn built from foreign text', () => {
  const hostile =
    '<!channel> <!here|here> <!everyone> <!subteam^S0ONCALL|@oncall> <@U2> <#C9> <https://evil.example|click>';

  it('escapes every interpolated value, so nothing in it can ping, mention or link', () => {
    const text = mrkdwn`${mention('U1')} asked: ${hostile}`;
    expect(liveInMrkdwn(text)).toEqual([{ kind: 'user', target: 'U1', raw: '<@U1>' }]);
    expect(text).toContain('&lt;!channel&gt;');
  });

  it('keeps the bot’s own literal text, numbers, dates and http(s) links', () => {
    const text = mrkdwn`*${'a & b'}* ${3} ${slackDate(1_700_000_000, '{date}', 'Nov 14')} ${slackLink('https://t.example/1?a=1&b=2', 'open')}`;
    expect(text).toBe('*a &amp; b* 3 <!date^1700000000^{date}|Nov 14> <https://t.example/1?a=1&amp;b=2|open>');
  });

  it('a link to anything but http(s) shows only its label, and a mention of a non-id is text', () => {
    expect(mrkdwn`${slackLink('javascript:alert(1)', 'open')} ${slackLink('data:text/html,x', 'x')}`).toBe('open x');
    expect(mrkdwn`${slackLink('https://x.example/a|b<c>', 'o')}`).toBe('<https://x.example/a%7Cb%3Cc%3E|o>');
    expect(mrkdwn`${mention('U1> <!channel')}`).toBe('@U1&gt; &lt;!channel');
    expect(httpUrl('ftp://x.example')).toBeUndefined();
  });
});

describe('clipMrkdwn', () => {
  it('cuts escaped text to the limit without splitting an entity, a mention or a character', () => {
    const escaped = mrkdwn`${'&'.repeat(1_000)}`;
    const cut = clipMrkdwn(escaped, 3_000);
    expect(cut.length).toBeLessThanOrEqual(3_000);
    expect(cut).toMatch(/^(?:&amp;)+…$/);
    const withMention = mrkdwn`${'x'.repeat(95)} ${mention('U12345678')}`;
    expect(clipMrkdwn(withMention, 100)).toBe(`${'x'.repeat(95)} …`);
    expect(clipMrkdwn(`${'x'.repeat(8)}😀😀`, 10)).toBe(`${'x'.repeat(8)}…`);
    expect(clipMrkdwn('short', 10)).toBe('short');
  });

  it('property: escaped-then-clipped text fits and never leaves a broken entity or sequence', () => {
    const alphabet = ['&', '<', '>', 'a', ' ', '😀', '|', '!'];
    for (let seed = 1; seed <= 300; seed++) {
      let x = seed;
      const rnd = () => (x = (x * 48_271) % 2_147_483_647) / 2_147_483_647;
      const raw = Array.from(
        { length: Math.floor(rnd() * 400) },
        () => alphabet[Math.floor(rnd() * alphabet.length)],
      ).join('');
      const max = 1 + Math.floor(rnd() * 300);
      const cut = clipMrkdwn(mrkdwn`${mention('U1')} ${raw}`, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(cut).not.toMatch(/&[a-z]*(?![a-z;])|&[a-z]*$|[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
      expect(liveInMrkdwn(cut).every((l) => l.target === 'U1')).toBe(true);
    }
  });
});

describe('plainPreview', () => {
  it('a short answer appears as plain text without Markdown symbols', () => {
    const md = '## Result\n\n**Bold** and _italic_ with [a link](https://x.y) and `code`.\n\n- one\n- two\n\n> quoted';
    expect(plainPreview(md, 300)).toBe('Result Bold and italic with a link and code. one two quoted');
  });

  it('code blocks show their code, not their fences', () => {
    expect(plainPreview('Try:\n\n```ts\nconst a = 1;\n```', 100)).toBe('Try: const a = 1;');
  });

  it('snake_case names and lone asterisks survive', () => {
    expect(plainPreview('set max_retry_count to 2 * 3', 100)).toBe('set max_retry_count to 2 * 3');
  });

  it('a long answer is cut at a word and ends with an ellipsis, within the limit', () => {
    const out = plainPreview('The quick brown fox jumps over the lazy dog. '.repeat(20), 60);
    expect(out.length).toBeLessThanOrEqual(60);
    expect(out.endsWith('…')).toBe(true);
    expect(out).toBe('The quick brown fox jumps over the lazy dog. The quick…');
  });

  it('is safe to put straight into a message `text`: no mentions or broadcasts get through', () => {
    const out = plainPreview('Hey <!channel>, ask <@U1> & check a < b', 100);
    expect(controlSequences(out)).toEqual([]);
    expect(out).toBe('Hey , ask &amp; check a &lt; b');
  });

  it('a cut never splits an escape sequence or an emoji', () => {
    const out = plainPreview(`${'x'.repeat(17)}&&&&&&&&`, 20);
    expect(out).toMatch(/^x{17}(&amp;)*…$/);
    const emoji = plainPreview('😀'.repeat(40), 20);
    expect(emoji).not.toMatch(/[\uD800-\uDBFF]…$/);
    expect(emoji.length).toBeLessThanOrEqual(20);
  });

  it('property: a preview never exceeds its limit, whatever the answer', () => {
    const alphabet = ['a', 'b', ' ', '\n', '*', '_', '`', '#', '<', '>', '&', '[', ']', '(', ')', '😀', '-', '|'];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 500; i++) {
      const md = Array.from(
        { length: Math.floor(next() * 400) },
        () => alphabet[Math.floor(next() * alphabet.length)],
      ).join('');
      const max = 1 + Math.floor(next() * 120);
      const out = plainPreview(md, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(/[<>]/);
      expect(out).not.toMatch(/&(?!(?:amp|lt|gt);)/);
    }
  });
});
