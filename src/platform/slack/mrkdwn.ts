import { slackifyMarkdown } from 'slackify-markdown';

/**
 * Standard Markdown → Slack mrkdwn, for the places that accept only mrkdwn (`text` fallbacks, section blocks).
 * Streamed answers and markdown blocks take standard Markdown and need none of this.
 */

/** Slack's mrkdwn needs exactly these three escaped; everything else is literal. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Private-use stand-ins carry characters through slackify-markdown, which copies code verbatim and raw HTML
// through unescaped; they become entities afterwards.
const STAND_IN: Record<string, string> = { '<': '\uE000', '>': '\uE001', '&': '\uE002' };
const ENTITY: Record<string, string> = { '\uE000': '&lt;', '\uE001': '&gt;', '\uE002': '&amp;' };
const STAND_INS = /[\uE000-\uE002]/g;
const TEXT_ANGLES = /<(?:https?:\/\/|mailto:)[^\s<>|]*>|[<>]/g;
const QUOTE = /^[ \t]*(?:>[ \t]?)+/;
const FENCE = /^[ \t]*(`{3,}|~{3,})/;
const CODE_SPAN = /(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g;

const standIn = (s: string): string => s.replace(/[<>&]/g, (c) => STAND_IN[c]!);

/**
 * Keeps model output from turning into Slack syntax: a raw `<!channel>`, `<@U…>` or `<b>` would otherwise reach
 * Slack as a broadcast, a mention or a broken link. Code keeps its `<>&` as entities, which Slack shows literally.
 */
function protect(markdown: string): string {
  let fence: string | null = null;
  return markdown
    .replace(STAND_INS, '')
    .split('\n')
    .map((line) => {
      const marker = FENCE.exec(line)?.[1];
      if (fence) {
        if (
          marker &&
          marker[0] === fence[0] &&
          marker.length >= fence.length &&
          !line.slice(line.indexOf(marker) + marker.length).trim()
        )
          fence = null;
        return marker && !fence ? line : standIn(line);
      }
      if (marker && !(marker.startsWith('`') && line.slice(line.indexOf(marker) + marker.length).includes('`'))) {
        fence = marker;
        return line;
      }
      // mrkdwn has no hard line break; slackify would print a stray backslash for one.
      const text = /^( {4}|\t)/.test(line) ? line : line.replace(/(?: {2,}|\\)$/, '');
      let out = '';
      let at = 0;
      for (const m of text.matchAll(CODE_SPAN)) {
        out += protectText(text.slice(at, m.index), at === 0) + standIn(m[0]);
        at = m.index + m[0].length;
      }
      return out + protectText(text.slice(at), at === 0);
    })
    .join('\n');
}

/** Autolinks stay links and leading `>` stay quotes; any other `<` or `>` is text (slackify escapes `>` only sometimes). */
function protectText(s: string, lineStart: boolean): string {
  const quote = lineStart ? (QUOTE.exec(s)?.[0] ?? '') : '';
  return quote + s.slice(quote.length).replace(TEXT_ANGLES, (m) => STAND_IN[m] ?? m);
}

export function toMrkdwn(markdown: string): string {
  return slackifyMarkdown(protect(markdown))
    .replace(STAND_INS, (c) => ENTITY[c]!)
    .replace(/\s+$/, '');
}

const STRIP: [RegExp, string][] = [
  [/^[ \t]*(`{3,}|~{3,}).*$/gm, ''], // fence lines; the code itself is kept
  [/^ {0,3}\[[^\]\n]+\]:[ \t]+\S.*$/gm, ''], // link reference definitions
  [/^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/gm, ''], // horizontal rules
  [/^[ \t|:-]*-{3,}[ \t|:-]*$/gm, ''], // table header separators
  [/^ {0,3}#{1,6}[ \t]+/gm, ''],
  [/^[ \t]*(?:>[ \t]?)+/gm, ''],
  [/^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?/gm, ''],
  [/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, '$2'],
  [/!\[([^\]\n]*)\]\([^)\n]*\)/g, '$1'],
  [/\[([^\]\n]+)\](?:\([^)\n]*\)|\[[^\]\n]*\])/g, '$1'],
  [/<((?:https?:\/\/|mailto:)[^\s<>]*)>/g, '$1'],
  [/<\/?[A-Za-z][^<>]*>|<[@#!][^<>]*>/g, ''], // HTML tags and Slack control sequences
  [/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2'],
  [/~~(?=\S)([\s\S]*?\S)~~/g, '$1'],
  [/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])/g, '$1$2'],
  [/(^|[^\w])_(?=\S)([^_\n]*?\S)_(?!\w)/g, '$1$2'],
  [/\|/g, ' '],
  [/\\([!-/:-@[-`{-~])/g, '$1'],
  [/\u200B/g, ''],
];
const DECODE: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'" };

/**
 * A one-line preview of an answer for a message's `text` (what notifications show): markup removed, cut at a
 * word with "…", and escaped for mrkdwn so it can go straight into `text`. At most `max` characters.
 */
export function plainPreview(markdown: string, max: number): string {
  let plain = markdown;
  for (const [re, to] of STRIP) plain = plain.replace(re, to);
  plain = plain
    .replace(/&(?:lt|gt|amp|quot|#39);/g, (e) => DECODE[e]!)
    .replace(/\s+/g, ' ')
    .trim();
  const escaped = escapeMrkdwn(plain);
  if (escaped.length <= max) return escaped;
  // Cut the plain text, so neither an entity nor a word is split, then measure what escaping adds.
  let fits = 0;
  for (let used = 0; fits < plain.length; fits++) {
    used += escapeMrkdwn(plain[fits]!).length;
    if (used > max - 1) break;
  }
  if (/[\uD800-\uDBFF]/.test(plain[fits - 1] ?? '')) fits--;
  const space = plain.lastIndexOf(' ', fits);
  const cut = space >= fits / 2 ? space : fits;
  const head = plain.slice(0, cut).replace(/[\s,;:.\-–—]+$/, '');
  return head ? `${escapeMrkdwn(head)}…` : max >= 1 ? '…' : '';
}
