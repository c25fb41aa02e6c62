import { z } from 'zod';

/** A rich-text run as the Notion API returns it; `plain_text` is always there, whatever the run's type. */
export const richTextSchema = z.object({
  plain_text: z.string(),
  href: z.string().nullish(),
  annotations: z
    .object({
      bold: z.boolean().optional(),
      italic: z.boolean().optional(),
      strikethrough: z.boolean().optional(),
      code: z.boolean().optional(),
    })
    .partial()
    .optional(),
});
export type RichText = z.infer<typeof richTextSchema>;

/** A block with only what the conversion reads; each type keeps its content under a key named after the type. */
export const blockSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  has_children: z.boolean().default(false),
});
export type Block = z.infer<typeof blockSchema> & { children?: Block[] };

const content = z
  .object({
    rich_text: z.array(richTextSchema).default([]),
    caption: z.array(richTextSchema).default([]),
    language: z.string().optional(),
    checked: z.boolean().optional(),
    expression: z.string().optional(),
    url: z.string().optional(),
    cells: z.array(z.array(richTextSchema)).optional(),
  })
  .partial();

/** Rich text as Markdown: bold, italic, strike-through, inline code and links kept. */
export function richTextToMarkdown(runs: readonly RichText[]): string {
  return runs
    .map((r) => {
      let text = r.plain_text;
      if (!text) return '';
      const a = r.annotations ?? {};
      if (a.code) text = `\`${text}\``;
      if (a.bold) text = `**${text}**`;
      if (a.italic) text = `*${text}*`;
      if (a.strikethrough) text = `~~${text}~~`;
      return r.href ? `[${text}](${r.href})` : text;
    })
    .join('');
}

const HEADINGS: Record<string, string> = { heading_1: '#', heading_2: '##', heading_3: '###' };
/** Separate documents (found by the listing on their own) or nothing a reader could use as text. */
const SKIPPED = new Set(['child_page', 'child_database', 'unsupported', 'breadcrumb', 'table_of_contents']);

/**
 * Notion blocks (with their children fetched) as Markdown. Written here rather than taken from notion-to-md, which
 * fetches through @notionhq/client itself and so would bypass the one retry helper and its Retry-After handling.
 */
export function blocksToMarkdown(blocks: readonly Block[]): string {
  return render(blocks, '').join('\n\n').trim();
}

function render(blocks: readonly Block[], indent: string): string[] {
  const out: string[] = [];
  let number = 0;
  for (const block of blocks) {
    number = block.type === 'numbered_list_item' ? number + 1 : 0;
    const text = renderOne(block, number, indent);
    if (text !== undefined) out.push(text);
  }
  return out;
}

function renderOne(block: Block, number: number, indent: string): string | undefined {
  if (SKIPPED.has(block.type)) return undefined;
  const c = content.safeParse(block[block.type]);
  const data = c.success ? c.data : {};
  const text = richTextToMarkdown(data.rich_text ?? []);
  const children = block.children ?? [];
  const nested = (prefix: string) => render(children, prefix).join('\n');
  const heading = HEADINGS[block.type];
  if (heading) return joinLines(`${indent}${heading} ${text}`, nested(indent));
  switch (block.type) {
    case 'bulleted_list_item':
      return joinLines(`${indent}- ${text}`, nested(`${indent}  `));
    case 'numbered_list_item':
      return joinLines(`${indent}${number}. ${text}`, nested(`${indent}   `));
    case 'to_do':
      return joinLines(`${indent}- [${data.checked ? 'x' : ' '}] ${text}`, nested(`${indent}  `));
    case 'quote':
    case 'callout': {
      const inner = joinBlocks(text, render(children, '').join('\n\n'));
      return inner ? prefixLines(inner, `${indent}> `) : undefined;
    }
    case 'code':
      return `${indent}\`\`\`${data.language && data.language !== 'plain text' ? data.language : ''}\n${(data.rich_text ?? []).map((r) => r.plain_text).join('')}\n\`\`\``;
    case 'equation':
      return data.expression ? `${indent}$$${data.expression}$$` : undefined;
    case 'divider':
      return `${indent}---`;
    case 'table':
      return table(children, indent);
    case 'bookmark':
    case 'embed':
    case 'link_preview':
      return data.url ? `${indent}${joinWords(richTextToMarkdown(data.caption ?? []), data.url)}` : undefined;
    case 'image':
    case 'video':
    case 'file':
    case 'pdf':
    case 'audio': {
      // Only the caption is text; the file itself is not read.
      const caption = richTextToMarkdown(data.caption ?? []);
      return caption ? `${indent}${caption}` : undefined;
    }
    default:
      // paragraph, toggle, synced_block, column_list, column, template and types added later: their text, then
      // their children.
      return joinBlocks(text ? `${indent}${text}` : '', render(children, indent).join('\n\n'));
  }
}

function table(rows: readonly Block[], indent: string): string | undefined {
  const cells = rows.map((row) => {
    const parsed = content.safeParse(row.table_row);
    return (parsed.success ? (parsed.data.cells ?? []) : []).map((cell) =>
      richTextToMarkdown(cell).replace(/\|/g, '\\|').replace(/\n/g, ' '),
    );
  });
  if (!cells.length) return undefined;
  const width = Math.max(...cells.map((r) => r.length));
  const line = (r: string[]) => `${indent}| ${Array.from({ length: width }, (_, i) => r[i] ?? '').join(' | ')} |`;
  const [first = [], ...rest] = cells;
  // Markdown tables need a header row; without one in Notion the first row serves as it.
  const separator = `${indent}|${' --- |'.repeat(width)}`;
  return [line(first), separator, ...rest.map(line)].join('\n');
}

function joinLines(head: string, tail: string): string {
  return tail ? `${head}\n${tail}` : head;
}
function joinBlocks(head: string, tail: string): string | undefined {
  const parts = [head, tail].filter(Boolean);
  return parts.length ? parts.join('\n\n') : undefined;
}
function joinWords(...parts: string[]): string {
  return parts.filter(Boolean).join(' ');
}
function prefixLines(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `${prefix}${l}` : prefix.trimEnd()))
    .join('\n');
}
