/**
 * Confluence's storage format is XHTML with `ac:`/`ri:` elements and CDATA sections, which an HTML parser drops
 * (CDATA becomes a comment): code blocks and link texts would vanish. This rewrites the few constructs that carry
 * text into plain HTML before the HTML → Markdown conversion; everything else is ordinary markup already.
 */
export function storageToHtml(storage: string): string {
  return (
    storage
      // Macro parameters (a code block's language, a panel's colour) are settings, not text.
      .replace(/<ac:parameter\b[^>]*>[\s\S]*?<\/ac:parameter>/g, '')
      .replace(/<ac:link\b[^>]*>([\s\S]*?)<\/ac:link>/g, (_, inner: string) => linkText(inner))
      .replace(
        /<ac:plain-text-body>\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*<\/ac:plain-text-body>/g,
        (_, code: string) => `<pre><code>${escapeHtml(code)}</code></pre>`,
      )
      .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_, text: string) => escapeHtml(text))
  );
}

/** A link's visible text: its own body when it has one, else the title of the page it points to. */
function linkText(inner: string): string {
  const plain = /<ac:plain-text-link-body>\s*<!\[CDATA\[([\s\S]*?)\]\]>/.exec(inner);
  if (plain) return escapeHtml(plain[1] ?? '');
  const rich = /<ac:link-body>([\s\S]*?)<\/ac:link-body>/.exec(inner);
  if (rich) return rich[1] ?? '';
  // Attribute values are escaped already, so they go back into HTML as they are.
  return /ri:content-title="([^"]*)"/.exec(inner)?.[1] ?? '';
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
