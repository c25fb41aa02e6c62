// What Slack would turn into live markup (broadcasts, user-group and user mentions, channel links, links) in the
// text a bot sends. Sources: docs.slack.dev/messaging/formatting-message-text (mrkdwn: `<!here>`, `<!channel>`,
// `<!everyone>`, `<!subteam^ID>`, `<@U…>`, `<#C…>`, `<url|label>`, `<!date^…^…^link|…>`; `&lt;` `&gt;` `&amp;` are
// the escapes) and the markdown block reference (standard Markdown: `[label](url)`, autolinks).
//
// Never kinder than Slack, where Slack does not document the detail:
// - Markdown surfaces (markdown_text, markdown blocks, streams) are checked as written AND after decoding HTML
//   entities once, in case Slack decodes `&lt;!channel&gt;` before it looks for its sequences; code spans and
//   fences are not exempt.
// - Any Markdown link or reference definition whose destination has a scheme counts as a link to it.
// - A `<…>` sequence may span lines. `<!`, `<@`, `<#` followed by anything but whitespace is Slack's; a link target
//   is what precedes `|` and must not contain whitespace (URLs cannot), so `a < b || c > d` is not a link.

export type LiveKind = 'broadcast' | 'usergroup' | 'user' | 'channel' | 'command' | 'date' | 'link';

export interface LiveMarkup {
  kind: LiveKind;
  /** The user/group/channel id, the broadcast name, or the link's target URL. */
  target: string;
  /** For links: written as `<url|label>` (mrkdwn) rather than a bare URL or a Markdown link. */
  labelled?: boolean;
  raw: string;
}

const NAMED: Record<string, string> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
  excl: '!',
  commat: '@',
  num: '#',
  vert: '|',
  verbar: '|',
  colon: ':',
};

/** Decodes named and numeric character references once, as a Markdown renderer would. */
export function decodeEntities(s: string): string {
  return s.replace(/&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([A-Za-z]+));/g, (m, hex, dec, name) => {
    if (hex) return String.fromCodePoint(Number.parseInt(hex, 16));
    if (dec) return String.fromCodePoint(Number(dec));
    return NAMED[String(name).toLowerCase()] ?? m;
  });
}

function sequences(text: string): LiveMarkup[] {
  const out: LiveMarkup[] = [];
  for (const m of text.matchAll(/<([^<>]*)>/g)) {
    const inner = m[1]!;
    const bar = inner.indexOf('|');
    const target = bar === -1 ? inner : inner.slice(0, bar);
    const raw = m[0];
    if (/^![^\s]/.test(target)) {
      const command = target.slice(1);
      const [name = '', ...args] = command.split('^');
      if (['channel', 'here', 'everyone', 'group'].includes(name)) out.push({ kind: 'broadcast', target: name, raw });
      else if (name === 'subteam') out.push({ kind: 'usergroup', target: args[0] ?? '', raw });
      else if (name === 'date') {
        out.push({ kind: 'date', target: command, raw });
        if (args[2]) out.push({ kind: 'link', target: args[2], labelled: true, raw });
      } else out.push({ kind: 'command', target: command, raw });
    } else if (/^@[UW][A-Z0-9]+$/.test(target)) out.push({ kind: 'user', target: target.slice(1), raw });
    else if (/^#[CGD][A-Z0-9]+$/.test(target)) out.push({ kind: 'channel', target: target.slice(1), raw });
    else if (target && !/\s/.test(target) && (bar !== -1 || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(target)))
      out.push({ kind: 'link', target, labelled: bar !== -1, raw });
  }
  return out;
}

function markdownLinks(text: string): LiveMarkup[] {
  const out: LiveMarkup[] = [];
  for (const m of text.matchAll(/\]\(\s*<?([A-Za-z][A-Za-z0-9+.-]*:[^\s)>]*)|\]:\s*<?([A-Za-z][A-Za-z0-9+.-]*:\S*)/g))
    out.push({ kind: 'link', target: (m[1] ?? m[2])!, raw: m[0] });
  return out;
}

/** Live markup in mrkdwn (`text`, mrkdwn text objects): Slack's sequences, with entities as their escapes. */
export function liveInMrkdwn(text: string): LiveMarkup[] {
  return sequences(text);
}

/** Live markup in standard Markdown (markdown_text, markdown blocks, streams). */
export function liveInMarkdown(text: string): LiveMarkup[] {
  const decoded = decodeEntities(text);
  const found = [...sequences(text), ...markdownLinks(text)];
  if (decoded !== text) found.push(...sequences(decoded), ...markdownLinks(decoded));
  const seen = new Set<string>();
  return found.filter((l) => {
    const key = `${l.kind}:${l.target}:${l.raw}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function textObject(t: unknown): LiveMarkup[] {
  return isObj(t) && t.type === 'mrkdwn' && typeof t.text === 'string' ? liveInMrkdwn(t.text) : [];
}

function richText(el: unknown): LiveMarkup[] {
  if (!isObj(el)) return [];
  const raw = JSON.stringify(el);
  switch (el.type) {
    case 'broadcast':
      return [{ kind: 'broadcast', target: String(el.range), raw }];
    case 'usergroup':
      return [{ kind: 'usergroup', target: String(el.usergroup_id), raw }];
    case 'user':
      return [{ kind: 'user', target: String(el.user_id), raw }];
    case 'link':
      return [{ kind: 'link', target: String(el.url), raw }];
    default:
      return Array.isArray(el.elements) ? el.elements.flatMap(richText) : [];
  }
}

/** Live markup anywhere in Block Kit blocks (markdown blocks, mrkdwn objects, rich text, button URLs). */
export function liveInBlocks(blocks: unknown[]): LiveMarkup[] {
  return blocks.flatMap((b): LiveMarkup[] => {
    if (!isObj(b)) return [];
    switch (b.type) {
      case 'markdown':
        return typeof b.text === 'string' ? liveInMarkdown(b.text) : [];
      case 'section':
        return [
          ...textObject(b.text),
          ...(Array.isArray(b.fields) ? b.fields.flatMap(textObject) : []),
          ...(isObj(b.accessory) && typeof b.accessory.url === 'string'
            ? [{ kind: 'link' as const, target: b.accessory.url, raw: b.accessory.url }]
            : []),
        ];
      case 'context':
        return Array.isArray(b.elements) ? b.elements.flatMap(textObject) : [];
      case 'rich_text':
        return Array.isArray(b.elements) ? b.elements.flatMap(richText) : [];
      case 'actions':
        return (Array.isArray(b.elements) ? b.elements : []).flatMap((e) =>
          isObj(e) && typeof e.url === 'string' ? [{ kind: 'link' as const, target: e.url, raw: e.url }] : [],
        );
      default:
        return [];
    }
  });
}
