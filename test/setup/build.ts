import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/**
 * Tests that start the bot as its own process run the compiled JavaScript, as `npm start` and the Docker image do, so
 * they need an up-to-date dist/. The build is incremental: on an unchanged tree it takes a few seconds.
 */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
