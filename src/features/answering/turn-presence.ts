import type { SlackFile } from '../../platform/slack/files/slack-file.js';

/** The status line while a turn starts, specific to what it is about to do first. */
export function startingStatus(
  files: readonly SlackFile[] | undefined,
  loading: readonly string[],
): { text: string; loading: string[] } {
  const kinds = new Set((files ?? []).map((f) => (f.mimetype ?? '').split('/')[0] || 'file'));
  if (kinds.has('image')) {
    const what =
      (files ?? []).filter((f) => f.mimetype?.startsWith('image/')).length > 1 ? 'screenshots' : 'screenshot';
    return { text: `is reading your ${what}…`, loading: [`Reading your ${what}…`, ...loading] };
  }
  if (files?.length) return { text: 'is reading your file…', loading: ['Reading your file…', ...loading] };
  return { text: 'is thinking…', loading: [...loading] };
}

/** Slack rotates loading messages instead of the status: "is searching the policies…" → "Searching the policies…". */
export function loadingFor(status: string): string[] {
  const bare = status.replace(/^is\s+/, '');
  return [bare.charAt(0).toUpperCase() + bare.slice(1)];
}

/** A DM thread's title from its first question: one line, at most 60 characters, cut at a word. */
export function titleFrom(question: string): string | undefined {
  const line = question.replace(/\s+/g, ' ').trim();
  if (!line) return undefined;
  if (line.length <= 60) return line;
  const cut = line.slice(0, 59);
  const space = cut.lastIndexOf(' ');
  return `${(space > 30 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, '')}…`;
}
