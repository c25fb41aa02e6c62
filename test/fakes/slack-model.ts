// Shared state, types and text helpers for the fake Slack Web API (see slack-api.ts).

export type StreamingState = 'in_progress' | 'completed' | 'errored';

export interface FakeUser {
  name: string;
  real_name: string;
  display_name: string;
  email?: string;
  is_bot?: boolean;
  tz?: string;
  /** A guest (single- or multi-channel): sees only the channels listed as theirs in `members`. */
  is_restricted?: boolean;
  /** What users.info says with include_locale (Slack's default is en-US). */
  locale?: string;
}

export interface FakeChannel {
  name: string;
  is_im?: boolean;
  is_private?: boolean;
  /** A Slack Connect channel: shared with another organisation. */
  is_ext_shared?: boolean;
  /** For IMs: the human on the other side. */
  user?: string;
  /** Who joined (matters for guests: they see only channels they are in). */
  members?: string[];
}

/** One message as a reader in Slack would see it. */
export interface FakeMessage {
  ts: string;
  thread_ts?: string;
  /** Author; the bot user id for bot messages. */
  user: string;
  bot_id?: string;
  /** What a user would read: streamed markdown concatenated, or the visible text of text/markdown_text/blocks. */
  text: string;
  blocks?: unknown[];
  files?: unknown[];
  streaming_state?: StreamingState;
  /** Number of successful chat.update calls on this message. */
  edits: number;
  metadata?: unknown;
  client_msg_id?: string;
  /** Set when chat.postMessage text was cut at 40,000 characters. */
  truncated?: boolean;
  /** 'thread_broadcast' for a thread reply also sent to the channel (reply_broadcast). */
  subtype?: string;
  /** Emoji reactions, in the order first added, with who added each. */
  reactions?: Array<{ name: string; users: string[] }>;
  /** How Slack reads `text`: standard Markdown (markdown_text, streams) or mrkdwn. */
  format?: 'markdown' | 'mrkdwn';
  /** The `text` sent alongside blocks: notifications and screen readers show it, and Slack parses it as mrkdwn. */
  fallback?: string;
}

export interface StreamInfo {
  startedAt: number;
  lastActivityAt: number;
  recipientUserId?: string;
  recipientTeamId?: string;
  chunks: unknown[];
  /** task_display_mode given to chat.startStream. */
  taskDisplayMode?: string;
}

export interface FakeFileInput {
  id: string;
  name: string;
  mimetype: string;
  bytes: Uint8Array | string;
  title?: string;
  /** Makes the download answer 302 to this URL (like files.slack.com -> files-origin on Grid). */
  redirectTo?: string;
  original_w?: number;
  original_h?: number;
}

export interface SlackFileObject {
  id: string;
  created: number;
  timestamp: number;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  pretty_type: string;
  user: string;
  user_team: string;
  size: number;
  mode: 'hosted';
  is_external: false;
  external_type: '';
  is_public: boolean;
  url_private: string;
  url_private_download: string;
  permalink: string;
  permalink_public: string;
  original_w?: number;
  original_h?: number;
}

export interface StoredFile {
  input: FakeFileInput;
  bytes: Buffer;
  object: SlackFileObject;
}

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
  /** HTTP status returned (200, 429, or a 5xx during an outage). */
  status: number;
  ok: boolean;
  error?: string;
  tokenType?: 'bot' | 'app';
  /** The token the call carried (once it was read). */
  token?: string;
  /** The workspace a bot token acted in (calls with an unknown, revoked or app-level token have none). */
  teamId?: string;
}

/** Generates Slack-looking ts values ("<unix seconds>.<6 digits>"), strictly increasing. */
export class TsClock {
  // One sequence for every clock in the process: the events a test sends and the messages the fake posts get
  // their ts from different clocks, and two of them in the same millisecond must not collide (Slack's ts are
  // unique in a channel). A collision made a user's message vanish behind a bot reply under load.
  private static lastMicros = 0;
  next(): string {
    const micros = Math.max(Date.now() * 1000, TsClock.lastMicros + 1);
    TsClock.lastMicros = micros;
    return TsClock.format(micros);
  }
  /** Makes sure later ts values sort after an externally produced one. */
  observe(ts: string): void {
    const micros = TsClock.parse(ts);
    if (micros > TsClock.lastMicros) TsClock.lastMicros = micros;
  }
  static format(micros: number): string {
    const secs = Math.floor(micros / 1_000_000);
    return `${secs}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }
  static parse(ts: string): number {
    const [s, f = '0'] = ts.split('.');
    return Number(s) * 1_000_000 + Number(f.padEnd(6, '0').slice(0, 6));
  }
}

export function compareTs(a: string, b: string): number {
  return TsClock.parse(a) - TsClock.parse(b);
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function richText(el: unknown): string {
  if (!isObj(el)) return '';
  switch (el.type) {
    case 'text':
      return str(el.text);
    case 'user':
      return `<@${str(el.user_id)}>`;
    case 'channel':
      return `<#${str(el.channel_id)}>`;
    case 'usergroup':
      return `<!subteam^${str(el.usergroup_id)}>`;
    case 'emoji':
      return `:${str(el.name)}:`;
    case 'link':
      return str(el.text) || str(el.url);
    case 'broadcast':
      return `<!${str(el.range)}>`;
    default:
      return Array.isArray(el.elements) ? el.elements.map(richText).join('') : '';
  }
}

function textObject(t: unknown): string {
  return isObj(t) ? str(t.text) : '';
}

/** The text a reader sees in a list of Block Kit blocks. */
export function blocksText(blocks: unknown[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    if (!isObj(b)) continue;
    switch (b.type) {
      case 'markdown':
        out.push(str(b.text));
        break;
      case 'section': {
        const parts = [textObject(b.text), ...(Array.isArray(b.fields) ? b.fields.map(textObject) : [])];
        out.push(parts.filter(Boolean).join('\n'));
        break;
      }
      case 'header':
        out.push(textObject(b.text));
        break;
      case 'context':
        out.push((Array.isArray(b.elements) ? b.elements.map(textObject) : []).filter(Boolean).join(' '));
        break;
      case 'rich_text':
        out.push((Array.isArray(b.elements) ? b.elements.map(richText) : []).join('\n'));
        break;
      default:
        break;
    }
  }
  return out.filter((s) => s !== '').join('\n');
}

/** Sum of characters in all `markdown` blocks (Slack caps it at 12,000 per payload). */
export function markdownBlocksLength(blocks: unknown[]): number {
  return blocks.reduce<number>((n, b) => n + (isObj(b) && b.type === 'markdown' ? str(b.text).length : 0), 0);
}

/** Text carried by `markdown_text` chunks (other chunk types render as cards, not text). */
export function chunksText(chunks: unknown[]): string {
  return chunks.map((c) => (isObj(c) && c.type === 'markdown_text' ? str(c.text) : '')).join('');
}

const EXT_TYPES: Record<string, [string, string]> = {
  png: ['png', 'PNG'],
  jpg: ['jpg', 'JPEG'],
  jpeg: ['jpg', 'JPEG'],
  gif: ['gif', 'GIF'],
  pdf: ['pdf', 'PDF'],
  txt: ['text', 'Plain Text'],
  md: ['markdown', 'Markdown (raw)'],
  csv: ['csv', 'CSV'],
  json: ['json', 'JSON'],
  docx: ['docx', 'Word Document'],
};

export function fileTypeOf(name: string, mimetype: string): [string, string] {
  const ext = name.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
  const known = EXT_TYPES[ext];
  if (known) return known;
  if (mimetype.startsWith('text/')) return ['text', 'Plain Text'];
  return ['binary', 'Binary'];
}

/** Parses a form-encoded value that the Node SDK JSON-encodes (blocks, chunks, ...). */
export const JSON_ARGS = new Set([
  'blocks',
  'attachments',
  'chunks',
  'metadata',
  // entity.presentDetails
  'error',
  'unfurls',
  'prompts',
  'loading_messages',
  'view',
  'file_ids',
]);
