import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageError, MAX_SIDE, prepareImage } from '../../../../../src/platform/slack/files/image.js';
import { imageTokens } from '../../../../../src/turn/image-tokens.js';
import {
  animatedGif,
  corruptPng,
  exifRotatedJpeg,
  hugeJpeg,
  jpegPhoto,
  pngScreenshot,
  webpImage,
} from '../../../../fixtures/files.js';

describe('preparing an image for the model', () => {
  it('keeps a screenshot PNG lossless and at its size', async () => {
    const out = await prepareImage(await pngScreenshot(1280, 800));
    expect(out).toMatchObject({ mime: 'image/png', width: 1280, height: 800, animated: false });
    const { channels } = await sharp(out.data).stats();
    expect(channels[0]!.min).toBeLessThan(40); // the dark bar survived: lossless
  });

  it('re-encodes a JPEG photo as JPEG', async () => {
    const out = await prepareImage(await jpegPhoto(1600, 1200));
    expect(out).toMatchObject({ mime: 'image/jpeg', width: 1600, height: 1200 });
    expect((await sharp(out.data).metadata()).format).toBe('jpeg');
  });

  it('accepts WebP and sends a format every model reads', async () => {
    const out = await prepareImage(await webpImage(800, 600));
    expect(['image/jpeg', 'image/png']).toContain(out.mime);
    expect((await sharp(out.data).metadata()).width).toBe(800);
  });

  it('turns an animated GIF into its first frame', async () => {
    const out = await prepareImage(await animatedGif());
    expect(out.animated).toBe(true);
    const meta = await sharp(out.data).metadata();
    expect(meta.pages ?? 1).toBe(1);
    expect(meta.height).toBe(80);
    const { channels } = await sharp(out.data).stats();
    expect(channels[0]!.mean).toBeGreaterThan(200); // red: the first frame
    expect(channels[1]!.mean).toBeLessThan(30);
  });

  it('applies EXIF orientation and strips the metadata', async () => {
    const input = await exifRotatedJpeg();
    expect((await sharp(input).metadata()).orientation).toBe(6);
    const out = await prepareImage(input);
    expect([out.width, out.height]).toEqual([200, 400]);
    const meta = await sharp(out.data).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(out.data.includes(Buffer.from('secret-location-42'))).toBe(false);
  });

  it('shrinks an 18 MB phone capture to about 2 MB within 2048×2048 at the same token cost', async () => {
    const input = await hugeJpeg();
    expect(input.byteLength).toBeGreaterThan(17_000_000);
    const out = await prepareImage(input);
    expect(Math.max(out.width, out.height)).toBe(MAX_SIDE);
    expect(out.width / out.height).toBeCloseTo(4200 / 3200, 2);
    expect(out.data.byteLength).toBeLessThanOrEqual(2_100_000);
    expect(imageTokens(out.width, out.height, 'high')).toBe(imageTokens(4200, 3200, 'high'));
  }, 60_000);

  it('refuses a corrupt PNG with an ImageError', async () => {
    await expect(prepareImage(corruptPng())).rejects.toBeInstanceOf(ImageError);
  });
});
