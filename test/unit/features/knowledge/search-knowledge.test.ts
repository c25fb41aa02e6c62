import { describe, expect, it } from 'vitest';
import { fileConfigSchema } from '../../../../src/config/file-schema.js';
import { channelSettings } from '../../../../src/config/settings.js';
import type { KnowledgePassage } from '../../../../src/features/knowledge/contracts.js';
import { createHybridIndex } from '../../../../src/features/knowledge/index/hybrid-index.js';
import { MemoryVectorStore } from '../../../../src/features/knowledge/index/vector-store.js';
import { searchKnowledgeTool } from '../../../../src/features/knowledge/search-knowledge.js';
import { parseSuite } from '../../../../src/features/offline/eval/cases.js';
import { ToolRegistry } from '../../../../src/platform/tools/runner.js';
import { ctx, silent } from '../tickets/helpers.js';

async function tool() {
  const index = await createHybridIndex({ vectors: new MemoryVectorStore(), minSimilarity: 0.3, log: silent });
  await index.apply('wiki', {
    upserts: [
      {
        id: 'travel',
        title: 'Travel Policy',
        url: 'https://wiki.example.com/travel',
        text: '## Hotels\n\nThe nightly hotel limit is 180 EUR.',
        version: '1',
      },
    ],
    deletes: [],
  });
  await index.apply(
    'approved',
    { upserts: [{ id: 'a1', title: 'Hotel in Zurich?', text: 'Up to 250 EUR in Zurich.', version: '1' }], deletes: [] },
    { approved: true },
  );
  return searchKnowledgeTool({ index, maxPassages: 4 });
}

describe('search_knowledge', () => {
  it('returns passages with title, section, link, source and the approved flag, cited under the answer as links', async () => {
    const session = new ToolRegistry([await tool()]).session(
      ctx(),
      { timeoutMs: 2_000, maxOutputChars: 8_000 },
      silent,
    );
    const [out] = await session.run([{ callId: 'c1', name: 'search_knowledge', arguments: '{"query":"hotel limit"}' }]);
    expect(JSON.parse(out!.output).data).toMatchObject({
      count: 2,
      passages: [
        { title: 'Hotel in Zurich?', section: '', url: null, source: 'approved', approved: true },
        {
          title: 'Travel Policy',
          section: 'Hotels',
          url: 'https://wiki.example.com/travel',
          source: 'wiki',
          approved: false,
          text: 'The nightly hotel limit is 180 EUR.',
        },
      ],
    });
    expect(out!.sources).toEqual([
      {
        title: 'Approved answer: Hotel in Zurich?',
        cue: 'Hotel in Zurich?',
        label: { key: 'notice.source_approved', values: { title: 'Hotel in Zurich?' } },
      },
      { title: 'Travel Policy › Hotels', cue: 'Travel Policy', url: 'https://wiki.example.com/travel' },
    ]);
  });

  it('still runs under its old name search_policies (stored threads, old prompts), but is offered by its new one', async () => {
    const registry = new ToolRegistry([await tool()]);
    expect(registry.definitions.map((d) => d.type === 'function' && d.name)).toEqual(['search_knowledge']);
    const session = registry.session(ctx(), { timeoutMs: 2_000, maxOutputChars: 8_000 }, silent, ['search_knowledge']);
    const [out] = await session.run([{ callId: 'c1', name: 'search_policies', arguments: '{"query":"hotel"}' }]);
    expect(JSON.parse(out!.output)).toMatchObject({ ok: true });
    expect((JSON.parse(out!.output).data.passages as KnowledgePassage[]).length).toBe(2);
  });

  it('reads search_policies in settings and eval suites as search_knowledge', () => {
    const file = fileConfigSchema.parse({
      tools: { enabled: ['search_policies'] },
      channels: { C1: { tools: ['search_policies', 'lookup_ticket'], answer_only_from_sources: true } },
    });
    expect(file.tools.enabled).toEqual(['search_knowledge']);
    const here = channelSettings(file, 'gpt-4o', 'C1', false);
    expect(here).toMatchObject({ tools: ['search_knowledge', 'lookup_ticket'], answerOnlyFromSources: true });
    expect(channelSettings(file, 'gpt-4o', 'C2', false)).not.toHaveProperty('answerOnlyFromSources');
    const suite = parseSuite(
      [
        'name: old',
        'tools: [{ name: search_policies, returns: { count: 0 } }]',
        'cases: [{ id: a, input: hi, expect: { tool_calls: [{ name: search_policies }] } }]',
      ].join('\n'),
      'old.yaml',
    );
    expect(suite.tools[0]!.name).toBe('search_knowledge');
    expect(suite.cases[0]!.expect.tool_calls[0]!.name).toBe('search_knowledge');
  });
});
