// Checks the real API applies to inline images and files: a base64 data URL of a supported type whose bytes
// really are that type, at most 20 MB per image and 50 MB / 500 images per request, at most 32 MB and 100 pages
// of files per request. Error texts follow captured
// production errors ("You uploaded an unsupported image...", code invalid_image_format).
import { type ApiError, invalid } from './openai-validation.js';

export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
export const MAX_REQUEST_IMAGE_BYTES = 50 * 1024 * 1024;

const UNSUPPORTED =
  "You uploaded an unsupported image. Please make sure your image is below 20 MB in size and is of one the following formats: ['png', 'jpeg', 'gif', 'webp'].";

const SIGNATURES: Record<string, (b: Buffer) => boolean> = {
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => b.subarray(0, 4).toString('latin1') === 'GIF8',
  'image/webp': (b) =>
    b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
};

function decodeDataUrl(url: string): { mime: string; bytes: Buffer } | null {
  const m = /^data:([^;,]+);base64,([A-Za-z0-9+/]*={0,2})$/.exec(url);
  return m ? { mime: m[1]!.toLowerCase(), bytes: Buffer.from(m[2]!, 'base64') } : null;
}

/** Decoded size of an inline image (0 for URLs), or the error the API answers. */
export function checkImageUrl(url: string, param: string): ApiError | number {
  if (!url.startsWith('data:')) return 0;
  const data = decodeDataUrl(url);
  if (!data)
    return invalid(
      `Invalid '${param}'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got an invalid value.`,
      param,
      'invalid_value',
    );
  const matches = SIGNATURES[data.mime];
  if (!matches?.(data.bytes) || data.bytes.length > MAX_IMAGE_BYTES)
    return invalid(UNSUPPORTED, null, 'invalid_image_format');
  return data.bytes.length;
}

/** Decoded size and page count of an inline file, or the error the API answers. */
export function checkFileData(fileData: string, param: string): ApiError | { bytes: number; pages: number } {
  const data = decodeDataUrl(fileData);
  if (!data)
    return invalid(
      `Invalid '${param}'. Expected a base64-encoded data URL (e.g. 'data:application/pdf;base64,...').`,
      param,
      'invalid_value',
    );
  if (data.mime === 'application/pdf' && data.bytes.subarray(0, 5).toString('latin1') !== '%PDF-')
    return invalid('The file could not be parsed as a PDF.', param, 'invalid_file');
  return { bytes: data.bytes.length, pages: data.mime === 'application/pdf' ? pdfPages(data.bytes) : 0 };
}

/**
 * Pages of a PDF, counted from its page objects (independently of the bot's own counter). PDFs that hide their
 * page objects in compressed object streams count as one page here: test PDFs are written uncompressed.
 */
function pdfPages(bytes: Buffer): number {
  return Math.max(1, bytes.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g)?.length ?? 0);
}

/** OpenAI reads at most 32 MB and 100 pages of file content per request, across all input_file parts. */
export const MAX_REQUEST_FILE_BYTES = 32_000_000;
export const MAX_REQUEST_FILE_PAGES = 100;
export const MAX_REQUEST_IMAGES = 500;

// The limits are OpenAI's documented ones; the wording of these refusals was not captured from production.
export const tooMuchFileContent = (bytes: number, pages: number): ApiError | null =>
  bytes > MAX_REQUEST_FILE_BYTES
    ? invalid(
        `Total size of file inputs in the request exceeds the limit of ${MAX_REQUEST_FILE_BYTES} bytes.`,
        'input',
        'file_too_large',
      )
    : pages > MAX_REQUEST_FILE_PAGES
      ? invalid(
          `Total number of PDF pages in the request exceeds the limit of ${MAX_REQUEST_FILE_PAGES} pages.`,
          'input',
          'too_many_pages',
        )
      : null;

export const tooManyImages = (count: number): ApiError | null =>
  count > MAX_REQUEST_IMAGES
    ? invalid(`Too many images in the request: at most ${MAX_REQUEST_IMAGES} are allowed.`, 'input', 'too_many_images')
    : null;

export const tooManyImageBytes = (total: number): ApiError | null =>
  total > MAX_REQUEST_IMAGE_BYTES
    ? invalid(
        `Total size of images in the request exceeds the limit of ${MAX_REQUEST_IMAGE_BYTES} bytes.`,
        'input',
        'image_too_large',
      )
    : null;
