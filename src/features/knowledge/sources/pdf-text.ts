/**
 * The text of a PDF, one paragraph break between pages. unpdf (PDF.js built for servers) loads on the first PDF
 * read, not at start-up. A scanned PDF has no text layer and yields an empty string.
 */
export async function pdfToText(bytes: Uint8Array): Promise<string> {
  const { extractText } = await import('unpdf');
  const { text } = await extractText(bytes, { mergePages: false });
  return text
    .map((page) => page.trim())
    .filter(Boolean)
    .join('\n\n');
}
