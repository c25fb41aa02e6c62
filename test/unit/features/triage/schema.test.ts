import { describe, expect, it } from 'vitest';
import { parseTriage, triageTextFormat } from '../../../../src/features/triage/schema.js';
import { strictSchemaProblem } from '../../../fakes/openai-validation.js';

const good = {
  title: 't',
  summary: 's',
  severity: 'low',
  category: 'bug',
  component: null,
  steps_to_reproduce: [],
  suggested_owner: null,
  confidence: 0.5,
};

describe('the triage schema', () => {
  it('is a strict Structured Outputs format: every key required, nullable instead of optional', () => {
    expect(triageTextFormat).toMatchObject({ type: 'json_schema', name: 'triage', strict: true });
    expect(strictSchemaProblem(triageTextFormat.schema)).toBeNull();
    expect(triageTextFormat.schema).toMatchObject({
      additionalProperties: false,
      properties: { component: { type: ['string', 'null'] }, confidence: { minimum: 0, maximum: 1 } },
    });
  });

  it('accepts a well-formed triage and explains what is wrong with a bad one', () => {
    expect(parseTriage(JSON.stringify(good))).toEqual({ ok: true, value: good });
    expect(parseTriage('not json')).toEqual({ ok: false, error: 'the output is not JSON' });
    const bad = parseTriage(JSON.stringify({ ...good, severity: 'urgent', confidence: 1.4 }));
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/severity: .*; confidence: /);
  });
});
