import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { accessSchema } from '../../../../src/config/tools-schema.js';
import { createHybridIndex } from '../../../../src/features/knowledge/index/hybrid-index.js';
import { MemoryVectorStore } from '../../../../src/features/knowledge/index/vector-store.js';
import { searchKnowledgeTool } from '../../../../src/features/knowledge/search-knowledge.js';
import { FolderProvider } from '../../../../src/features/knowledge/sources/folder.js';
import { TicketApprovals } from '../../../../src/features/tickets/approvals.js';
import { createTicketTool } from '../../../../src/features/tickets/create-ticket.js';
import { lookupTicketTool } from '../../../../src/features/tickets/lookup-ticket.js';
import { FileTicketProvider } from '../../../../src/features/tickets/providers/file.js';
import { searchTicketsTool } from '../../../../src/features/tickets/search-tickets.js';
import { createTranslators } from '../../../../src/i18n/translators.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { MemoryApprovalStore } from '../../../../src/platform/store/memory/memory-stores.js';
import { ToolRegistry } from '../../../../src/platform/tools/runner.js';
import { defineTool, ToolError } from '../../../../src/platform/tools/types.js';
import { strictSchemaProblem } from '../../../fakes/openai-validation.js';
import { access, call, ctx, sampleTicketsCopy, session, silent } from '../../features/tickets/helpers.js';

/** The sample policies as the folder source reads them. */
const samplePolicies = async () =>
  (
    await new FolderProvider({ name: 'policies', dir: 'examples/policies', maxFileBytes: 1_048_576 }).changes(
      new Map(),
      AbortSignal.timeout(10_000),
    )
  ).upserts;

async function policyIndex() {
  const index = await createHybridIndex({ vectors: new MemoryVectorStore(), minSimilarity: 0.3, log: silent });
  await index.apply('policies', { upserts: await samplePolicies(), deletes: [] });
  return index;
}

async function allTools() {
  const provider = new FileTicketProvider(sampleTicketsCopy());
  const approvals = new TicketApprovals(
    new MemoryApprovalStore(storeKeys('t:')),
    { post: async () => undefined },
    provider,
    { ttlSeconds: 60, timeoutMs: 1000 },
    silent,
  );
  return [
    lookupTicketTool({ provider, access: () => access }),
    searchTicketsTool({ provider, access: () => access }),
    searchKnowledgeTool({ index: await policyIndex(), maxPassages: 3 }),
    createTicketTool({ approvals, access: () => access }),
  ];
}

describe('tool definitions sent to the model', () => {
  it('are strict JSON schemas OpenAI accepts: every field required, optional ones nullable, no extra properties', async () => {
    const registry = new ToolRegistry(await allTools());
    expect(registry.definitions.map((d) => d.type === 'function' && d.name)).toEqual([
      'lookup_ticket',
      'search_tickets',
      'search_knowledge',
      'create_ticket',
    ]);
    for (const def of registry.definitions) {
      if (def.type !== 'function') continue;
      expect(def.strict).toBe(true);
      expect(strictSchemaProblem(def.parameters)).toBeNull();
      expect(JSON.stringify(def.parameters)).not.toMatch(/\$schema|minLength|maxLength/);
    }
    const search = registry.definitions.find((d) => d.type === 'function' && d.name === 'search_tickets')!;
    expect(search).toMatchObject({
      parameters: {
        required: ['query', 'status'],
        properties: { query: { anyOf: [{ type: 'string' }, { type: 'null' }] } },
      },
    });
  });

  it('refuses at startup a tool whose schema could not be strict', () => {
    const loose = defineTool({
      name: 'lookup_ticket',
      description: 'x',
      parameters: z.object({ a: z.string().optional() }),
      progress: () => ({ step: 'working' }),
      authorize: () => undefined,
      run: async () => null,
      format: (r) => r,
    });
    expect(() => new ToolRegistry([loose])).toThrow(/not strict/);
  });
});

const translators = createTranslators();

describe('running calls', () => {
  /** A tool that answers at once, or (`hangs`) never: the runner's timeout is what ends it. */
  const slow = (hangs: boolean, name: 'lookup_ticket' | 'search_tickets' = 'lookup_ticket') =>
    defineTool({
      name,
      description: 'slow',
      parameters: z.strictObject({ n: z.number() }),
      progress: (a) => ({ step: 'lookup_ticket', values: { id: `SUP-${a.n}` } }),
      authorize: (c) => {
        if (c.user.id === 'UBANNED') throw new ToolError('permission_denied', 'not for you');
      },
      run: (_c, a) => (hangs ? new Promise<never>(() => undefined) : Promise.resolve({ n: a.n })),
      format: (r) => r,
    });

  it('answers a call that takes too long with a timeout', async () => {
    const outs = await session([slow(true), slow(false, 'search_tickets')], ctx(), 200).run([
      { callId: 'a', name: 'lookup_ticket', arguments: '{"n":1}' },
      { callId: 'b', name: 'search_tickets', arguments: '{"n":2}' },
    ]);
    expect(outs.map((o) => o.callId)).toEqual(['a', 'b']);
    expect(JSON.parse(outs[0]!.output)).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(JSON.parse(outs[1]!.output)).toMatchObject({ ok: true, data: { n: 2 } });
  });

  it('runs independent calls concurrently and answers them in the order asked', async () => {
    let inFlight = 0;
    let most = 0;
    // Each call waits until all three are running: run one after another, the first would wait for ever.
    let allStarted!: () => void;
    const three = new Promise<void>((r) => {
      allStarted = r;
    });
    const counting = defineTool({
      ...slow(false),
      run: async (_c, a: { n: number }) => {
        most = Math.max(most, ++inFlight);
        if (inFlight === 3) allStarted();
        await three;
        inFlight--;
        return a;
      },
    });
    const outs = await session([counting], ctx()).run(
      [1, 2, 3].map((n) => ({ callId: `c${n}`, name: 'lookup_ticket', arguments: `{"n":${n}}` })),
    );
    expect(most).toBe(3);
    expect(outs.map((o) => JSON.parse(o.output).data.n)).toEqual([1, 2, 3]);
  });

  it('refuses an unauthorized call before running it', async () => {
    expect(await call(session([slow(false)], ctx({ userId: 'UBANNED' })), 'lookup_ticket', { n: 1 })).toMatchObject({
      error: { code: 'permission_denied', message: 'not for you' },
    });
  });

  it("describes progress for the user in the asker's language, several calls at once included", () => {
    const s = session([slow(false), slow(false, 'search_tickets')], ctx());
    const one = [{ callId: 'a', name: 'lookup_ticket', arguments: '{"n":5}' }];
    const two = [...one, { callId: 'b', name: 'search_tickets', arguments: '{"n":6}' }];
    const { english } = translators;
    const ja = translators.forLocale('ja-JP');
    expect(s.progress(one, english)).toEqual({ text: 'is looking up SUP-5…', loading: 'Looking up SUP-5…' });
    expect(s.progress(two, english).text).toBe('is looking up SUP-5 and 1 more…');
    expect(s.title(one[0]!, english)).toBe('Looking up SUP-5');
    // Slack's loading message stands alone: no particle left over from the status line's 「Threadwise が…」.
    expect(s.progress(two, ja)).toEqual({
      text: 'が SUP-5 を調べています（ほか 1 件）…',
      loading: 'SUP-5 を調べています（ほか 1 件）…',
    });
    expect(s.progress(one, translators.forLocale('de-DE'))).toEqual({
      text: 'sieht SUP-5 nach…',
      loading: 'Sehe SUP-5 nach…',
    });
    expect(s.title(one[0]!, translators.forLocale('de-DE'))).toBe('SUP-5 nachsehen');
  });

  it('shows a call whose tool is unknown as working, not as its raw name', () => {
    const s = session([slow(false)], ctx());
    const call = { callId: 'a', name: 'no_such_tool', arguments: '{}' };
    expect(s.progress([call], translators.english)).toEqual({ text: 'is working…', loading: 'Working…' });
    expect(s.title(call, translators.forLocale('fr-FR'))).toBe('Travail en cours');
  });

  it('caps an oversized result and keeps the envelope valid JSON with the untrusted marker', async () => {
    const big = defineTool({ ...slow(false), run: async () => ({ text: 'x'.repeat(50_000) }) });
    const out = await call(session([big], ctx()), 'lookup_ticket', { n: 1 });
    expect(out).toMatchObject({ ok: true, truncated: true, untrusted_data: expect.any(String) });
    expect(JSON.stringify(out).length).toBeLessThanOrEqual(8_000);
  });

  it('answers every call of a round that will not run', () => {
    const outs = session([slow(false)], ctx()).decline(
      [{ callId: 'a', name: 'lookup_ticket', arguments: '{}' }],
      'limit reached',
    );
    expect(JSON.parse(outs[0]!.output)).toMatchObject({ ok: false, error: { code: 'round_limit' } });
  });
});

describe('create_ticket', () => {
  it('only files an approval request, and only where a project applies', async () => {
    const posted: unknown[] = [];
    const provider = new FileTicketProvider(sampleTicketsCopy());
    const approvals = new TicketApprovals(
      new MemoryApprovalStore(storeKeys('t:')),
      { post: async (a) => void posted.push(a) },
      provider,
      { ttlSeconds: 60, timeoutMs: 1000 },
      silent,
    );
    const tool = createTicketTool({
      approvals,
      access: () => accessSchema.parse({ channels: { C100: { projects: ['SUP'] } } }),
    });
    const args = {
      title: 'Printer on floor 3 is jammed',
      description: 'It shows error E42 since this morning.',
      priority: 'low',
    };
    const denied = await call(session([tool], ctx({ channel: 'D1', isDm: true })), 'create_ticket', args);
    expect(denied).toMatchObject({ ok: false, error: { code: 'permission_denied' } });
    const ok = await call(session([tool], ctx({ channel: 'C100' })), 'create_ticket', args);
    expect(ok).toMatchObject({
      ok: true,
      data: { status: 'awaiting_approval', project: 'SUP', note: expect.stringContaining('Nothing has been created') },
    });
    expect(posted).toHaveLength(1);
    expect((await provider.search({ text: 'printer', status: null, limit: 5 })).length).toBe(0);
    expect(
      await call(session([tool], ctx({ channel: 'C100' })), 'create_ticket', { ...args, priority: 'whenever' }),
    ).toMatchObject({ error: { code: 'invalid_arguments' } });
  });
});
