import type TurndownService from 'turndown';

let converter: Promise<TurndownService> | undefined;

/** Turndown (and its DOM parser) loads on the first page converted, not at start-up. */
function load(): Promise<TurndownService> {
  converter ??= import('turndown').then(({ default: Turndown }) => {
    const td = new Turndown({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-' });
    // What a reader never sees has no place in an answer's passages.
    td.remove(['script', 'style', 'noscript', 'template']);
    return td;
  });
  return converter;
}

/**
 * HTML (a help-center article, a Confluence page) as Markdown, headings kept as `#` lines so the index can chunk
 * by them. Turndown, the maintained converter, rather than regexes: lists, tables and code blocks survive.
 */
export async function htmlToMarkdown(html: string): Promise<string> {
  if (!html.trim()) return '';
  return (await load()).turndown(html).trim();
}
