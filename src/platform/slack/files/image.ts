import type { Metadata, OutputInfo } from 'sharp';

/** OpenAI fits images into 2048×2048 before anything else, so larger pixels only cost upload time. */
export const MAX_SIDE = 2048;
/** Re-encoded images aim to stay below this, so ten screenshots fit one request comfortably. */
const TARGET_BYTES = 2_000_000;
/** Decoding bombs are refused: 100 megapixels is far beyond any camera or screen. */
const MAX_INPUT_PIXELS = 100_000_000;
const JPEG_QUALITIES = [85, 75, 60, 45];

export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageError';
  }
}

export interface PreparedImage {
  data: Buffer;
  mime: 'image/png' | 'image/jpeg';
  width: number;
  height: number;
  /** The image was animated; only its first frame is kept. */
  animated: boolean;
}

/**
 * Makes an upload safe and small for the model: first frame only, EXIF orientation applied, fitted into
 * 2048×2048 (never enlarged), metadata (GPS, camera) stripped by re-encoding. Screenshots (PNG, GIF, images with
 * transparency) stay lossless PNG when that is small enough, so text in them stays sharp; photos and oversized
 * PNGs become JPEG, at lower quality only when needed to reach the target size.
 */
export async function prepareImage(bytes: Buffer): Promise<PreparedImage> {
  // Loaded on the first image, not at start: sharp and libvips are about 28 MB of a process that may never see one.
  const { default: sharp } = await import('sharp');
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  } catch (err) {
    throw new ImageError(`unreadable image: ${(err as Error).message}`);
  }
  const animated = (meta.pages ?? 1) > 1;
  const base = () =>
    sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, pages: 1, failOn: 'error' })
      .autoOrient()
      .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true });
  try {
    const lossless = meta.format === 'png' || meta.format === 'gif' || meta.hasAlpha === true;
    if (lossless) {
      const png = await base().png({ compressionLevel: 9, effort: 4 }).toBuffer({ resolveWithObject: true });
      if (png.data.byteLength <= TARGET_BYTES)
        return { data: png.data, mime: 'image/png', width: png.info.width, height: png.info.height, animated };
    }
    let jpeg: { data: Buffer; info: OutputInfo } | undefined;
    for (const quality of JPEG_QUALITIES) {
      jpeg = await base()
        .flatten({ background: '#ffffff' })
        .jpeg({ quality, mozjpeg: true })
        .toBuffer({ resolveWithObject: true });
      if (jpeg.data.byteLength <= TARGET_BYTES) break;
    }
    return { data: jpeg!.data, mime: 'image/jpeg', width: jpeg!.info.width, height: jpeg!.info.height, animated };
  } catch (err) {
    throw new ImageError(`could not re-encode image: ${(err as Error).message}`);
  }
}
