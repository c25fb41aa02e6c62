/**
 * Slack mrkdwn (the `text` of messages and fallbacks, mrkdwn text objects in blocks) built from foreign text: what
 * the model, a tool, a ticket or a person wrote is escaped, so it can never mention, link or ping anyone; the
 * bot's own mentions, dates and links are marked as such and pass through. Standard Markdown (streamed answers,
 * markdown blocks) is neutralised by markdown-guard.ts instead.
 */

/** Slack's mrkdwn needs exactly these three escaped; everything else is literal. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const TRUSTED = Symbol('mrkdwn written by the bot');
/** A piece of mrkdwn the bot itself means (a mention, a date, a link); only this module makes them. */
export interface Markup {
  readonly [TRUSTED]: string;
}
const markup = (s: string): Markup => ({ [TRUSTED]: s });
const isMarkup = (v: unknown): v is Markup => typeof v === 'object' && v !== null && TRUSTED in v;

/** A live mention of a user the bot means to reach (the asker, the approver); anything not an id is shown as text. */
export function mention(userId: string): Markup {
  return markup(/^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(`@${userId}`));
}

/** A live mention of an on-call user group (S…, `<!subteam^…>`) or person (U…/W…); anything else is shown as text. */
export function oncallMention(id: string): Markup {
  return /^S[A-Z0-9]+$/.test(id) ? markup(`<!subteam^${id}>`) : mention(id);
}

/** A date every reader sees in their own time zone; `fallback` where the client cannot format it. */
export function slackDate(unixSeconds: number, format: string, fallback: string): Markup {
  return markup(`<!date^${Math.floor(unixSeconds)}^${format}|${escapeMrkdwn(fallback)}>`);
}

/** The URL as a link target when it is http(s) (`&`, `|` encoded), else undefined: other schemes never become links. */
export function httpUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url.trim());
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    return parsed.href.replace(/&/g, '&amp;').replace(/\|/g, '%7C');
  } catch {
    return undefined;
  }
}

/** A link to an http(s) URL (from a ticket system, say) under the bot's label; any other URL shows only the label. */
export function slackLink(url: string, label: string): Markup {
  const href = httpUrl(url);
  return markup(href ? `<${href}|${escapeMrkdwn(label)}>` : escapeMrkdwn(label));
}

/**
 * mrkdwn from a template: the literal parts are the bot's own, every interpolated value is escaped unless it is
 * a Markup (mention, slackDate, slackLink). `mrkdwn\`${mention(id)} asked: ${question}\`` pings only the asker.
 */
export function mrkdwn(parts: TemplateStringsArray, ...values: ReadonlyArray<string | number | Markup>): string {
  let out = parts[0]!;
  values.forEach((v, i) => {
    out += (isMarkup(v) ? v[TRUSTED] : escapeMrkdwn(String(v))) + parts[i + 1]!;
  });
  return out;
}

const endsInSurrogate = (s: string) => /[\uD800-\uDBFF]$/.test(s);

/** Plain text (plain_text objects, headers, button labels) cut to `max` characters with "…", never mid-character. */
export function clipPlain(s: string, max: number): string {
  if (s.length <= max) return s;
  let head = s.slice(0, Math.max(0, max - 1));
  if (endsInSurrogate(head)) head = head.slice(0, -1);
  return `${head}…`;
}

/**
 * Built mrkdwn cut to `max` characters with "…". Escaping comes first (it can make text five times longer), so
 * the cut never splits an entity (`&amp;`), one of the bot's own `<…>` sequences, or a character.
 */
export function clipMrkdwn(s: string, max: number): string {
  if (s.length <= max) return s;
  let head = s.slice(0, Math.max(0, max - 1));
  const amp = head.lastIndexOf('&');
  if (amp !== -1 && !head.includes(';', amp)) head = head.slice(0, amp);
  const open = head.lastIndexOf('<');
  if (open !== -1 && !head.includes('>', open)) head = head.slice(0, open);
  if (endsInSurrogate(head)) head = head.slice(0, -1);
  return `${head}…`;
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
