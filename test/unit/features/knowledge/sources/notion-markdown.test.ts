import { describe, expect, it } from 'vitest';
import { type Block, blocksToMarkdown } from '../../../../../src/features/knowledge/sources/notion-markdown.js';

const rt = (plain_text: string) => ({ plain_text, href: null, annotations: {} });
const block = (type: string, body: Record<string, unknown>, children?: Block[]): Block => ({
  id: `${type}-${Math.random()}`,
  type,
  has_children: Boolean(children),
  [type]: body,
  ...(children ? { children } : {}),
});

describe('Notion blocks as Markdown', () => {
  it('numbers consecutive list items and starts again after other blocks', () => {
    expect(
      blocksToMarkdown([
        block('numbered_list_item', { rich_text: [rt('Open the app')] }),
        block('numbered_list_item', { rich_text: [rt('Tap refund')] }),
        block('paragraph', { rich_text: [rt('Then:')] }),
        block('numbered_list_item', { rich_text: [rt('Confirm')] }),
      ]),
    ).toBe('1. Open the app\n\n2. Tap refund\n\nThen:\n\n1. Confirm');
  });

  it('keeps tables as Markdown tables, with pipes in cells escaped', () => {
    const row = (...cells: string[]) => block('table_row', { cells: cells.map((c) => [rt(c)]) });
    expect(
      blocksToMarkdown([
        block('table', { table_width: 2 }, [row('Plan', 'Refund'), row('Annual', '30 days | prorated')]),
      ]),
    ).toBe('| Plan | Refund |\n| --- | --- |\n| Annual | 30 days \\| prorated |');
  });

  it('quotes callouts with their children, and keeps toggles, dividers and captions as text', () => {
    expect(
      blocksToMarkdown([
        block('callout', { rich_text: [rt('Heads up')], icon: { emoji: '⚠️' } }, [
          block('paragraph', { rich_text: [rt('Refunds take 5 days.')] }),
        ]),
        block('divider', {}),
        block('toggle', { rich_text: [rt('Details')] }, [block('paragraph', { rich_text: [rt('Hidden text')] })]),
        block('image', {
          caption: [rt('The refund button')],
          type: 'external',
          external: { url: 'https://x.test/a.png' },
        }),
        block('child_database', { title: 'Tickets' }),
      ]),
    ).toBe('> Heads up\n>\n> Refunds take 5 days.\n\n---\n\nDetails\n\nHidden text\n\nThe refund button');
  });
});
