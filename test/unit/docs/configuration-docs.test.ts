import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configurationMarkdown } from '../../../src/config/docs.js';
import { envSchema } from '../../../src/config/env.js';
import { fileConfigSchema } from '../../../src/config/file-schema.js';

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
    expect(md).toContain('| `state.ttl_days` | number (≈0.04167 to 365) | `30` |');
  });

  it('shows the exact ranges the schemas accept (PORT up to 65535, max_output_tokens up to 16384)', () => {
    const md = committed();
    expect(md).toContain('| `PORT` | integer (0 to 65535) |');
    expect(md).toContain('| `defaults.max_output_tokens` | integer (16 to 16384) |');
    // Every bound printed without "≈" is one the schemas really have.
    const bounds = new Set<number>();
    const collect = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      for (const [k, v] of Object.entries(node)) {
        if (['minimum', 'maximum', 'exclusiveMinimum'].includes(k) && typeof v === 'number') bounds.add(v);
        else collect(v);
      }
    };
    collect(z.toJSONSchema(envSchema, { io: 'input', unrepresentable: 'any' }));
    collect(z.toJSONSchema(fileConfigSchema, { io: 'input', unrepresentable: 'any' }));
    const printed = [...md.matchAll(/\((?:(-?[\d.]+) to (-?[\d.]+)|[≥>≤] (-?[\d.]+))[,)]/g)].flatMap((m) =>
      [m[1], m[2], m[3]].filter((n): n is string => n !== undefined).map(Number),
    );
    expect(printed.length).toBeGreaterThan(20);
    expect(printed.filter((n) => !bounds.has(n))).toEqual([]);
  });
});
