import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, plainPreview, toMrkdwn } from '../../../../src/platform/slack/mrkdwn.js';

/** slackify-markdown puts zero-width spaces around emphasis so it also works mid-word; they are invisible. */
const visible = (s: string): string => s.replace(/\u200B/g, '');

/** Every `<` in mrkdwn starts Slack syntax; this lists what Slack would treat as a link, mention or command. */
const controlSequences = (s: string): string[] => s.match(/<[^<>]*>/g) ?? [];

describe('escapeMrkdwn', () => {
  it('escapes exactly &, < and >, ampersands first so nothing is escaped twice', () => {
    expect(escapeMrkdwn('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
    expect(escapeMrkdwn('&lt;')).toBe('&amp;lt;');
    expect(escapeMrkdwn('*bold* _it_ "q" \'s\'')).toBe('*bold* _it_ "q" \'s\'');
  });
});

describe('toMrkdwn', () => {
  it('bold, italics, strikethrough, headings and links render the Slack way', () => {
    const out = visible(toMrkdwn('# Summary\n\n**bold**, _italic_, ~~gone~~ and [the docs](https://example.com/docs)'));
    expect(out).toBe('*Summary*\n\n*bold*, _italic_, ~gone~ and <https://example.com/docs|the docs>');
  });

  it('lists get bullets and inline code stays code', () => {
    const out = visible(toMrkdwn('- run `npm test`\n- done'));
    expect(out).toContain('•');
    expect(out).toContain('`npm test`');
  });

  it('has no trailing newline', () => {
    expect(toMrkdwn('hello\n\n')).toBe('hello');
  });

  it('an answer containing <!channel> or <!here> cannot ping anyone', () => {
    const out = toMrkdwn('Attention <!channel> and <!here|here> and <!subteam^S1|@oncall>');
    expect(controlSequences(out)).toEqual([]);
    expect(out).toContain('&lt;!channel&gt;');
  });

  it('user mentions and HTML written by the model are shown as text, not turned into Slack syntax', () => {
    const out = toMrkdwn('Ask <@U123> about <b>this</b> and <div class="x">');
    expect(controlSequences(out)).toEqual([]);
    expect(out).toBe('Ask &lt;@U123&gt; about &lt;b&gt;this&lt;/b&gt; and &lt;div class="x"&gt;');
  });

  it('comparisons and ampersands are escaped, also inside code where Slack still parses them', () => {
    expect(toMrkdwn('if a < b & c > d')).toBe('if a &lt; b &amp; c &gt; d');
    expect(toMrkdwn('use `a<b && c>d`')).toBe('use `a&lt;b &amp;&amp; c&gt;d`');
    expect(toMrkdwn('```html\n<p>&nbsp;</p>\n```')).toBe('```\n&lt;p&gt;&amp;nbsp;&lt;/p&gt;\n```');
  });

  it('code inside a list item is escaped too', () => {
    const out = toMrkdwn('- item\n\n  ```js\n  a < b\n  ```');
    expect(out).toContain('a &lt; b');
    expect(controlSequences(out)).toEqual([]);
  });

  it('Markdown autolinks still become clickable links', () => {
    expect(toMrkdwn('see <https://example.com/a>')).toBe('see <https://example.com/a|https://example.com/a>');
  });

  it('block quotes stay quotes', () => {
    expect(toMrkdwn('> quoted < text')).toBe('> quoted &lt; text');
  });

  it('entities the model wrote mean their characters, as in any Markdown', () => {
    expect(toMrkdwn('AT&T &amp; &lt;x&gt;')).toBe('AT&amp;T &amp; &lt;x&gt;');
  });

  it('hard line breaks become plain newlines, not stray backslashes', () => {
    expect(toMrkdwn('line one  \nline two')).toBe('line one\nline two');
    expect(toMrkdwn('line one\\\nline two')).toBe('line one\nline two');
  });

  it('a trailing backslash inside code is kept', () => {
    expect(toMrkdwn('```sh\nls \\\n  -la\n```')).toBe('```\nls \\\n  -la\n```');
  });

  it('private-use characters in the input cannot smuggle in escapes', () => {
    expect(toMrkdwn('a\uE000b\uE002c')).toBe('abc');
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
