#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx (a runtime dependency), so no build step is needed.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../src/cli/threadwise.ts');
run();
