import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/**
 * The node arguments of `npm start` (package.json): its flags and the compiled entry, with the entry made absolute so
 * a test may start the bot from another working directory. Tests that start the bot as a process use these, so they
 * run what production runs (test/setup/build.ts compiles dist/ first).
 */
export function productionNodeArgs(): string[] {
  const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [node, ...args] = pkg.scripts.start.trim().split(/\s+/);
  if (node !== 'node' || !args.at(-1)?.startsWith('dist/'))
    throw new Error(`unexpected start script: ${pkg.scripts.start}`);
  return args.map((a, i) => (i === args.length - 1 ? resolve(root, a) : a));
}
