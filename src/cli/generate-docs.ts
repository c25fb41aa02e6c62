import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationMarkdown } from '../config/docs.js';

/** `npm run docs` writes docs/configuration.md; `--check` only reports whether the committed file is current. */
const target = join(import.meta.dirname, '../../docs/configuration.md');
const fresh = configurationMarkdown();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== fresh) {
    process.stderr.write('docs/configuration.md is stale: run `npm run docs` and commit the result.\n');
    process.exitCode = 1;
  }
} else {
  writeFileSync(target, fresh);
  process.stdout.write(`wrote ${target}\n`);
}
