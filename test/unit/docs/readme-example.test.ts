import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';

const root = resolve(import.meta.dirname, '../../..');

describe('the README', () => {
  it('shows a THREADWISE_CONFIG example that the schema accepts', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const yaml = /```yaml\n(defaults:[\s\S]*?)```/.exec(readme)?.[1];
    expect(yaml).toBeDefined();
    const path = join(mkdtempSync(join(tmpdir(), 'tw-readme-')), 'threadwise.yml');
    writeFileSync(path, yaml!);
    const { file } = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      OPENAI_API_KEY: 'k',
      THREADWISE_CONFIG: path,
    });
    expect(file.limits.user_daily_tokens).toBe(200_000);
  });

  it('names the two set-up commands, and CI runs the test command', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
    expect(readFileSync(join(root, '.ci/run'), 'utf8')).toMatch(/^npm test\b/m);
  });
});
