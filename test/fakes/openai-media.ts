// Checks the real API applies to inline images and files: a base64 data URL of a supported type whose bytes
// really are that type, at most 20 MB per image and 50 MB of images per request. Error texts follow captured
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

export function checkFileData(fileData: string, param: string): ApiError | null {
  const data = decodeDataUrl(fileData);
  if (!data)
    return invalid(
      `Invalid '${param}'. Expected a base64-encoded data URL (e.g. 'data:application/pdf;base64,...').`,
      param,
      'invalid_value',
    );
  if (data.mime === 'application/pdf' && data.bytes.subarray(0, 5).toString('latin1') !== '%PDF-')
    return invalid('The file could not be parsed as a PDF.', param, 'invalid_file');
  return null;
}

export const tooManyImageBytes = (total: number): ApiError | null =>
  total > MAX_REQUEST_IMAGE_BYTES
    ? invalid(
        `Total size of images in the request exceeds the limit of ${MAX_REQUEST_IMAGE_BYTES} bytes.`,
        'input',
        'image_too_large',
      )
    : null;
