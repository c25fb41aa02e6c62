import { describe, expect, it } from 'vitest';
import { argumentsMatch, runChecks } from '../../../../src/features/offline/eval/checks.js';

const never = async () => ({ ok: false as const, error: 'no grader in this test' });
const expectations = { contains: [], not_contains: [], regex: [], tool_calls: [], no_tool_calls: false };

describe('eval checks', () => {
  it('matches tool arguments by the listed keys, strings case-insensitively, nested objects recursively', () => {
    expect(argumentsMatch({ id: 'sup-482' }, { id: 'SUP-482', extra: 1 })).toBe(true);
    expect(argumentsMatch({ filter: { status: 'open' } }, { filter: { status: 'Open', team: 'x' } })).toBe(true);
    expect(argumentsMatch({ ids: ['a', 'b'] }, { ids: ['a'] })).toBe(false);
    expect(argumentsMatch({ limit: 5 }, { limit: '5' })).toBe(false);
    expect(argumentsMatch({}, undefined)).toBe(false);
  });

  it('reads "/…/flags" regexes as written and bare patterns case-insensitively', async () => {
    const r = await runChecks(
      { ...expectations, regex: ['/^Yes/', 'http 500', '/^no/m'] },
      { question: 'q', answer: 'yes\nHTTP 500\nno', calls: [] },
      never,
    );
    expect(r.map((c) => c.pass)).toEqual([false, true, true]);
  });

  it('explains JSON-schema and tool-call failures', async () => {
    const r = await runChecks(
      {
        ...expectations,
        json_schema: { type: 'object', required: ['severity'] },
        tool_calls: [{ name: 'lookup_ticket', arguments: { id: 'SUP-1' } }],
      },
      {
        question: 'q',
        answer: '{"title":"x"}',
        calls: [{ callId: 'c1', name: 'lookup_ticket', arguments: '{"id":"SUP-2"}' }],
      },
      never,
    );
    expect(r).toEqual([
      { check: 'valid against the JSON schema', pass: false, detail: "data must have required property 'severity'" },
      { check: 'calls lookup_ticket({"id":"SUP-1"})', pass: false, detail: 'called with {"id":"SUP-2"}' },
    ]);
  });

  it('fails a rubric the grader could not grade, with the reason', async () => {
    const r = await runChecks({ ...expectations, rubric: 'be nice' }, { question: 'q', answer: 'a', calls: [] }, never);
    expect(r).toEqual([{ check: 'rubric', pass: false, detail: 'no grader in this test' }]);
  });
});
