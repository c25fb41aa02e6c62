import type { ApprovedAnswer } from './approved-store.js';

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Headings inside an answer would break the export's structure (one `##` per answer): they are pushed below it.
 * Nothing else is changed; an answer is Markdown as the editor wrote it.
 */
const nested = (markdown: string) =>
  markdown.replace(/^(#{1,6})(?=\s)/gm, (h) => `${'#'.repeat(Math.min(6, h.length + 2))}`);

/** Every approved answer as one Markdown document, newest first: question, answer, where it came from, who saved it. */
export function approvedMarkdown(answers: readonly ApprovedAnswer[], now: number): string {
  const lines = [
    '# Approved answers',
    '',
    `Exported ${new Date(now).toISOString().slice(0, 16).replace('T', ' ')} UTC: ${answers.length} answer${answers.length === 1 ? '' : 's'}.`,
  ];
  for (const a of answers)
    lines.push(
      '',
      `## ${a.question.replace(/\s+/g, ' ').trim()}`,
      '',
      nested(a.answer.trim()),
      '',
      `_Source: [the Slack thread](${a.permalink}) · saved by ${a.editor} on ${day(a.savedAt)} · id ${a.id}_`,
    );
  return `${lines.join('\n')}\n`;
}
