import type { ImageDetail, ThreadItem } from './thread.js';

const BASE_TOKENS = 85;
const TILE_TOKENS = 170;
const TILE = 512;
const MAX_SIDE = 2048;
const SHORT_SIDE = 768;

/**
 * Input tokens gpt-4o bills for one image: `low` is a flat 85. Otherwise the image is scaled to fit 2048×2048,
 * then (if both sides are longer) scaled so its short side is 768, and every 512-px tile costs 170 on top of 85.
 * `auto` is counted like `high`, so a budget built on it is never short. Smaller images are not scaled up,
 * as in OpenAI's own token-counting example.
 */
export function imageTokens(width: number, height: number, detail: ImageDetail): number {
  if (detail === 'low') return BASE_TOKENS;
  if (width <= 0 || height <= 0) return BASE_TOKENS;
  let w = width;
  let h = height;
  const fit = Math.min(1, MAX_SIDE / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shrink = Math.min(1, SHORT_SIDE / Math.min(w, h));
  w *= shrink;
  h *= shrink;
  return BASE_TOKENS + TILE_TOKENS * Math.ceil(w / TILE) * Math.ceil(h / TILE);
}

/** Image tokens of the images an item still carries (forgotten images cost nothing). */
export function itemImageTokens(item: ThreadItem): number {
  if (item.type !== 'user') return 0;
  let total = 0;
  for (const a of item.attachments ?? [])
    if (a.kind === 'image' && a.data) total += imageTokens(a.width, a.height, a.detail);
  return total;
}
