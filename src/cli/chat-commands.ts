/** One line typed into `threadwise chat`. */
export type ChatLine =
  | { kind: 'message'; text: string; imagePaths: string[] }
  | { kind: 'new' }
  | { kind: 'help' }
  | { kind: 'exit' }
  | { kind: 'empty' }
  | { kind: 'unknown'; command: string };

export const CHAT_HELP = [
  'Type a message and press Enter; the answer streams below it.',
  '  /new                 start a new thread (forget this conversation)',
  '  /image <path> <text> attach an image file to the message',
  '  /help                this list',
  '  /exit                quit (Ctrl-D works too)',
].join('\n');

/** Parses a typed line; a leading slash is a command, `//` escapes a literal slash. */
export function parseChatLine(raw: string): ChatLine {
  const line = raw.trim();
  if (!line) return { kind: 'empty' };
  if (line.startsWith('//')) return { kind: 'message', text: line.slice(1), imagePaths: [] };
  if (!line.startsWith('/')) return { kind: 'message', text: line, imagePaths: [] };
  const [command = '', ...rest] = line.split(/\s+/);
  switch (command) {
    case '/new':
    case '/reset':
      return { kind: 'new' };
    case '/help':
    case '/?':
      return { kind: 'help' };
    case '/exit':
    case '/quit':
      return { kind: 'exit' };
    case '/image': {
      const [path, ...words] = rest;
      if (!path) return { kind: 'unknown', command: '/image needs a file path' };
      return { kind: 'message', text: words.join(' '), imagePaths: [path] };
    }
    default:
      return { kind: 'unknown', command };
  }
}
