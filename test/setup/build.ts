import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/**
 * Tests that start the bot as its own process run the compiled JavaScript, as `npm start` and the Docker image do, so
 * they need an up-to-date dist/: compiled here the way `npm start` compiles it (only when src/ changed).
 */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: root, stdio: 'inherit' });
}
