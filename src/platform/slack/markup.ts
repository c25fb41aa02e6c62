/**
 * Turns Slack's wire format for message text (`<@U123>`, `<#C1|general>`, `<url|label>`, `&lt;`) into the plain
 * text a person would read, so the model sees names instead of IDs.
 */

export interface MarkupLookups {
  userName(id: string): Promise<string | undefined>;
  channelName(id: string): Promise<string | undefined>;
}

export interface MarkupOptions {
  botUserId: string;
  /** What a mention of the bot reads as when it is not the leading "addressing" mention. */
  botName?: string;
}

const SEQUENCE = /<([^<>]*)>/g;
const ENTITY: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&' };
const BROADCASTS = new Set(['here', 'channel', 'everyone']);

/** One pass, so `&amp;lt;` becomes `&lt;` rather than `<`. */
const unescapeEntities = (s: string): string => s.replace(/&(?:lt|gt|amp);/g, (e) => ENTITY[e]!);

function parts(inner: string): { target: string; label: string | undefined } {
  const bar = inner.indexOf('|');
  if (bar === -1) return { target: inner, label: undefined };
  const label = unescapeEntities(inner.slice(bar + 1));
  return { target: inner.slice(0, bar), label: label || undefined };
}

async function resolveAll(
  ids: Set<string>,
  lookup: (id: string) => Promise<string | undefined>,
): Promise<Map<string, string>> {
  const found = await Promise.all(
    [...ids].map(async (id) => {
      try {
        return [id, await lookup(id)] as const;
      } catch {
        // A failed lookup only costs readability; the ID is still a usable reference.
        return [id, undefined] as const;
      }
    }),
  );
  return new Map(found.filter((e): e is readonly [string, string] => !!e[1]));
}

const at = (name: string): string => (name.startsWith('@') ? name : `@${name}`);

function special(command: string, label: string | undefined): string {
  if (BROADCASTS.has(command)) return `@${command}`;
  const [kind = '', arg = ''] = command.split('^');
  if (kind === 'subteam') return at(label ?? arg);
  if (kind === 'date') {
    if (label) return label;
    const when = new Date(Number(arg) * 1000);
    return Number.isNaN(when.getTime()) ? command : when.toISOString();
  }
  return label ?? command;
}

function link(target: string, label: string | undefined): string {
  const url = unescapeEntities(target);
  const shown = url.startsWith('mailto:') ? url.slice('mailto:'.length) : url;
  if (!label) return shown;
  // Slack auto-links typed text as <http://example.com|example.com>; repeating it adds nothing.
  const same = [url, shown, url.replace(/^https?:\/\//, ''), url.replace(/^https?:\/\//, '').replace(/\/$/, '')];
  return same.includes(label) ? shown : `${label} (${shown})`;
}

export async function resolveSlackMarkup(text: string, lookups: MarkupLookups, opts: MarkupOptions): Promise<string> {
  const botName = opts.botName ?? 'Threadwise';
  const botMention = `@${opts.botUserId}`;
  const matches = [...text.matchAll(SEQUENCE)];

  const users = new Set<string>();
  const channels = new Set<string>();
  for (const m of matches) {
    const { target, label } = parts(m[1]!);
    if (label !== undefined || target === botMention) continue;
    if (target.startsWith('@')) users.add(target.slice(1));
    else if (target.startsWith('#')) channels.add(target.slice(1));
  }
  const [userNames, channelNames] = await Promise.all([
    resolveAll(users, (id) => lookups.userName(id)),
    resolveAll(channels, (id) => lookups.channelName(id)),
  ]);

  const lead = text.length - text.trimStart().length;
  let out = '';
  let from = 0;
  for (const m of matches) {
    out += unescapeEntities(text.slice(from, m.index));
    from = m.index + m[0].length;
    const { target, label } = parts(m[1]!);
    if (target === botMention) {
      if (m.index !== lead) out += `@${botName}`;
      // "@Threadwise: question" — the punctuation only addressed the bot.
      else if (/^[,:](?=\s|$)/.test(text.slice(from, from + 2))) from += 1;
    } else if (target.startsWith('@')) {
      out += label ? at(label) : `@${userNames.get(target.slice(1)) ?? target.slice(1)}`;
    } else if (target.startsWith('#')) {
      out += `#${label ?? channelNames.get(target.slice(1)) ?? target.slice(1)}`;
    } else if (target.startsWith('!')) {
      out += special(target.slice(1), label);
    } else {
      out += link(target, label);
    }
  }
  return (out + unescapeEntities(text.slice(from))).trim();
}
