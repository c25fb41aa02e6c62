/**
 * The page count of a PDF, or undefined when it cannot be read (then OpenAI decides). pdf-lib reads the page tree
 * as written, compressed object streams included, which a scan for `/Type /Page` would miss.
 */
export async function countPdfPages(bytes: Uint8Array): Promise<number | undefined> {
  // Loaded on the first PDF, not at start (about 20 MB).
  const { PDFDocument } = await import('pdf-lib');
  try {
    const doc = await PDFDocument.load(bytes, {
      ignoreEncryption: true,
      updateMetadata: false,
      throwOnInvalidObject: false,
    });
    const pages = doc.getPageCount();
    return pages > 0 ? pages : undefined;
  } catch {
    return undefined;
  }
}
