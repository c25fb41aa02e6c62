import { describe, expect, it } from 'vitest';
import { fileConfigSchema as fileSchema } from '../../../src/config/file-schema.js';
import { configuredSources } from '../../../src/features/knowledge/sources/configured.js';

const parse = (knowledge: unknown, extra: Record<string, unknown> = {}) =>
  fileSchema.safeParse({ knowledge, ...extra });
const issues = (r: ReturnType<typeof parse>) =>
  r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('knowledge.sources: folder and website', () => {
  it('takes folder and website sources with their defaults, and policies.dir as the folder source "policies"', () => {
    const r = parse(
      {
        sync_every_minutes: 30,
        sources: [
          { name: 'handbook', kind: 'folder', dir: './handbook' },
          { name: 'help', kind: 'website', url: 'https://help.example.com/sitemap.xml', sync_every_minutes: 720 },
        ],
      },
      { policies: { dir: './policies' } },
    );
    expect(issues(r)).toEqual([]);
    const sources = configuredSources(r.data!);
    expect(sources.map((s) => [s.config.name, s.config.kind, s.everyMs])).toEqual([
      ['policies', 'folder', 30 * 60_000],
      ['handbook', 'folder', 30 * 60_000],
      ['help', 'website', 720 * 60_000],
    ]);
    expect(sources[1]!.config).toMatchObject({ max_file_mb: 20 });
    expect(sources[2]!.config).toMatchObject({ max_pages: 500 });
  });

  it('a knowledge source named "policies" takes the place of policies.dir', () => {
    const r = parse(
      { sources: [{ name: 'policies', kind: 'website', url: 'https://policies.example.com/sitemap.xml' }] },
      { policies: { dir: './policies' } },
    );
    expect(configuredSources(r.data!).map((s) => s.config.kind)).toEqual(['website']);
  });

  it('refuses a folder without dir, a website URL that is not http(s), unknown keys and intervals out of range', () => {
    expect(issues(parse({ sources: [{ name: 'a', kind: 'folder' }] }))).toEqual([
      'knowledge.sources.0.dir: Invalid input: expected string, received undefined',
    ]);
    expect(issues(parse({ sources: [{ name: 'b', kind: 'website', url: 'ftp://example.com/sitemap.xml' }] }))).toEqual([
      'knowledge.sources.0.url: an http(s) URL of a sitemap.xml (or a sitemap index)',
    ]);
    expect(issues(parse({ sources: [{ name: 'c', kind: 'folder', dir: 'x', depth: 2 }] }))[0]).toMatch(/depth/);
    expect(issues(parse({ sync_every_minutes: 1 }))[0]).toMatch(/^knowledge.sync_every_minutes:/);
  });
});
