const SAMPLE = 64 * 1024;

/**
 * Reads bytes as text when they are text: UTF-16 with a byte-order mark, otherwise UTF-8, otherwise (for old logs
 * and CSV exports) Windows-1252 when the bytes hold no control characters. Undefined means binary.
 */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  const sample = bytes.subarray(0, SAMPLE);
  if (sample.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    // not UTF-8; see below
  }
  const controls = sample.filter((b) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c).length;
  return controls === 0 ? new TextDecoder('windows-1252').decode(bytes) : undefined;
}

/** Cuts text to `maxChars`, at the last line break in the final tenth when there is one, so lines stay whole. */
export function capText(text: string, maxChars: number): { text: string; truncated: boolean } {
  if (text.length <= maxChars) return { text, truncated: false };
  const cut = text.slice(0, maxChars);
  const lineEnd = cut.lastIndexOf('\n');
  return { text: lineEnd >= maxChars * 0.9 ? cut.slice(0, lineEnd) : cut, truncated: true };
}
