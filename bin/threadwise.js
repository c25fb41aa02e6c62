#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (`npm run build`; `npm start` and the Docker image build it first), so a
// start pays for no TypeScript loader. Start it with `node --enable-source-maps` to keep stack traces on src/ lines.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/threadwise.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('threadwise: dist/ is missing; run `npm run build` first (npm start does it for you)\n');
  process.exit(1);
}
const { run } = await import(entry.href);
run();
