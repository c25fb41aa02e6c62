import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configurationMarkdown } from '../../../src/config/docs.js';
import { envSchema } from '../../../src/config/env.js';

const committed = () => readFileSync(join(import.meta.dirname, '../../../docs/configuration.md'), 'utf8');

describe('docs/configuration.md', () => {
  it('matches the zod schemas it is generated from', () => {
    // On failure: run `npm run docs` and commit docs/configuration.md.
    expect(
      committed() === configurationMarkdown(),
      'docs/configuration.md is stale: run `npm run docs` and commit it',
    ).toBe(true);
  });

  it('documents every environment variable and nested setting with its description and default', () => {
    const md = configurationMarkdown();
    for (const key of Object.keys(envSchema.shape)) expect(md).toContain(`| \`${key}\` |`);
    expect(md).toContain(
      '| `openai.compat.preset` | `"openai"` \\| `"azure"` \\| `"vllm"` \\| `"ollama"` \\| `"litellm"` | `"openai"` | The kind of server',
    );
    expect(md).toContain('| `channels.<channel id>.model` | string |');
    expect(md).toContain('| `state.ttl_days` | number (0.04167 to 365) | `30` |');
  });
});
