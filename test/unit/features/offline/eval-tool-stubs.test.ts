import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseSuite, type ToolStub } from '../../../../src/features/offline/eval/cases.js';
import { StubToolRunner } from '../../../../src/features/offline/eval/tool-stubs.js';
import { TOOL_SPECS } from '../../../../src/features/tools/specs.js';
import { createTranslators } from '../../../../src/i18n/translators.js';

const ctx = {
  teamId: 'TEVAL',
  channel: 'CEVAL',
  threadTs: '1.000000',
  isDm: false,
  user: { id: 'UEVAL', name: 'Eval' },
};
const limits = { timeoutMs: 1_000, maxOutputChars: 4_000 };
const stubs: ToolStub[] = [
  {
    name: 'search_knowledge',
    returns: { count: 1, passages: [{ source: 'Travel Policy › Booking', text: 'Book via Navan.' }] },
  },
  {
    name: 'get_invoice',
    description: 'Fetch one invoice.',
    parameters: {
      type: 'object',
      properties: { number: { type: 'string', pattern: '^INV-' } },
      required: ['number'],
      additionalProperties: false,
    },
    returns: 'INV-9: 120 EUR',
  },
];
const runner = () => new StubToolRunner(stubs, ctx, limits, pino({ level: 'silent' }));
const call = (name: string, args: string, callId = `c-${name}`) => ({ callId, name, arguments: args });
const parsed = (output: string) => JSON.parse(output);

describe('eval tool stubs', () => {
  it('offers a built-in tool with its real strict schema and a custom one as written', () => {
    const [policies, invoice] = runner().definitions;
    expect(policies).toMatchObject({
      type: 'function',
      name: 'search_knowledge',
      description: TOOL_SPECS.search_knowledge.description,
      strict: true,
    });
    expect(policies).toHaveProperty('parameters.required', ['query']);
    expect(invoice).toEqual({
      type: 'function',
      name: 'get_invoice',
      description: 'Fetch one invoice.',
      parameters: stubs[1]!.parameters,
      strict: true,
    });
  });

  it('answers like the real runner: validated arguments, the stub data in the result envelope, errors the model can act on', async () => {
    const tools = runner();
    const outputs = await tools.run([
      call('search_knowledge', '{"query":"flights"}'),
      call('search_knowledge', '{"query":"x"}', 'short'),
      call('get_invoice', '{"number":"INV-9"}'),
      call('get_invoice', '{"number":"9"}', 'bad'),
      call('get_invoice', 'not json', 'broken'),
      call('delete_everything', '{}'),
    ]);
    expect(outputs.map((o) => o.callId)).toEqual([
      'c-search_knowledge',
      'short',
      'c-get_invoice',
      'bad',
      'broken',
      'c-delete_everything',
    ]);
    const [hit, short, invoice, bad, broken, unknown] = outputs.map((o) => parsed(o.output));
    expect(hit).toMatchObject({
      tool: 'search_knowledge',
      ok: true,
      untrusted_data: expect.any(String),
      data: stubs[0]!.returns,
    });
    expect(short).toMatchObject({
      ok: false,
      error: { code: 'invalid_arguments', message: expect.stringContaining('query') },
    });
    expect(invoice).toMatchObject({ tool: 'get_invoice', ok: true, data: 'INV-9: 120 EUR' });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'invalid_arguments', message: expect.stringContaining('pattern') },
    });
    expect(broken).toMatchObject({ ok: false, error: { code: 'invalid_json' } });
    expect(unknown).toMatchObject({
      ok: false,
      error: {
        code: 'unknown_tool',
        message: 'There is no tool named "delete_everything". Available: search_knowledge, get_invoice.',
      },
    });
    expect(tools.calls.map((c) => c.callId)).toEqual(outputs.map((o) => o.callId));
  });

  it("shows the real tool's progress label and records calls declined at the round limit", () => {
    const tools = runner();
    expect(tools.progress([call('search_knowledge', '{"query":"flights"}')], createTranslators().english).text).toBe(
      'is searching the knowledge sources…',
    );
    const [declined] = tools.decline(
      [call('get_invoice', '{"number":"INV-1"}')],
      'the turn reached its limit of 6 tool rounds',
    );
    expect(parsed(declined!.output)).toMatchObject({ ok: false, error: { code: 'round_limit' } });
    expect(tools.calls).toHaveLength(1);
  });

  it('requires a description and parameters for custom tools only', () => {
    const suite = (tool: string) => `name: s\ntools:\n${tool}\ncases:\n  - id: a\n    input: hi\n    expect: {}\n`;
    expect(() =>
      parseSuite(suite('  - name: create_ticket\n    returns: { status: awaiting_approval }'), 's.yaml'),
    ).not.toThrow();
    expect(() => parseSuite(suite('  - name: my_tool\n    returns: 1'), 's.yaml')).toThrow(
      /tools\.0\.description is required for the custom tool my_tool[\s\S]*tools\.0\.parameters are required/,
    );
    expect(() =>
      parseSuite(
        suite('  - name: my_tool\n    description: d\n    parameters: { type: string }\n    returns: 1'),
        's.yaml',
      ),
    ).toThrow('the schema must be of type object');
    expect(() =>
      parseSuite(suite('  - name: search_tickets\n    parameters: { type: object }\n    returns: 1'), 's.yaml'),
    ).toThrow('tools.0.parameters is not allowed: search_tickets is a built-in tool');
  });
});
