import { describe, expect, it } from 'vitest';
import { customIdFor, parseCustomId } from '../../../../src/features/offline/batch/lines.js';
import { matchResults } from '../../../../src/features/offline/batch/results.js';

const triage = {
  title: 'T',
  summary: 'S',
  severity: 'high',
  category: 'bug',
  component: null,
  steps_to_reproduce: [],
  suggested_owner: null,
  confidence: 0.7,
};
const body = (content: unknown[], extra: Record<string, unknown> = {}) => ({
  object: 'response',
  status: 'completed',
  output: [{ type: 'message', role: 'assistant', content }],
  usage: { input_tokens: 100, output_tokens: 20 },
  ...extra,
});
const ok = (id: string, b: unknown) =>
  JSON.stringify({
    id: `batch_req_${id}`,
    custom_id: id,
    response: { status_code: 200, request_id: 'req_1', body: b },
    error: null,
  });

describe('matching Batch results to requests', () => {
  it('matches by custom_id whatever the output order, and keeps request order', () => {
    const ids = ['triage-C1-1.000001', 'triage-C1-2.000002'];
    const output = [
      ok(ids[1]!, body([{ type: 'output_text', text: JSON.stringify({ ...triage, title: 'second' }) }])),
      ok(
        ids[0]!,
        body([{ type: 'output_text', text: JSON.stringify(triage) }], {
          usage: {
            input_tokens: 100,
            input_tokens_details: { cached_tokens: 30, cache_write_tokens: 50 },
            output_tokens: 20,
            output_tokens_details: { reasoning_tokens: 12 },
          },
        }),
      ),
    ].join('\n');
    const { results, usage } = matchResults(ids, output, '');
    expect(
      results.map((r) => [r.ts, r.outcome.status, r.outcome.status === 'triaged' && r.outcome.triage.title]),
    ).toEqual([
      ['1.000001', 'triaged', 'T'],
      ['2.000002', 'triaged', 'second'],
    ]);
    // Cached, cache-write and reasoning tokens are summed too, so the report prices them like a turn does.
    expect(usage).toEqual({
      inputTokens: 200,
      cachedTokens: 30,
      cacheWriteTokens: 50,
      outputTokens: 40,
      reasoningTokens: 12,
    });
  });

  it('tells refusals, cut-off answers, HTTP errors, unreadable lines and missing requests apart', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const output = [
      ok('a', body([{ type: 'refusal', refusal: "I can't help with that." }])),
      ok(
        'b',
        body([{ type: 'output_text', text: '{"title": "cut' }], {
          status: 'incomplete',
          incomplete_details: { reason: 'max_output_tokens' },
        }),
      ),
      'not json at all',
    ].join('\n');
    const errors =
      JSON.stringify({
        id: 'batch_req_c',
        custom_id: 'c',
        response: {
          status_code: 400,
          request_id: 'req_2',
          body: { error: { message: 'Bad', type: 'invalid_request_error', param: null, code: 'invalid_value' } },
        },
        error: null,
      }) +
      '\n' +
      JSON.stringify({
        id: 'batch_req_d',
        custom_id: 'd',
        response: null,
        error: { code: 'batch_expired', message: 'expired' },
      });
    const { results, unreadable } = matchResults(ids, output, errors);
    expect(results.map((r) => [r.customId, r.outcome.status, 'detail' in r.outcome ? r.outcome.detail : ''])).toEqual([
      ['a', 'refused', "I can't help with that."],
      ['b', 'incomplete', 'stopped early (max_output_tokens)'],
      ['c', 'failed', 'HTTP 400 invalid_value: Bad'],
      ['d', 'failed', 'batch_expired: expired'],
      ['e', 'missing', 'no result: the batch ended before this request ran'],
    ]);
    expect(unreadable).toEqual(['not json at all']);
  });

  it('round-trips thread addresses through custom_id', () => {
    expect(parseCustomId(customIdFor('C0SUP1', '1712345678.000100'))).toEqual({
      channel: 'C0SUP1',
      ts: '1712345678.000100',
    });
    expect(parseCustomId('something-else')).toBeUndefined();
  });
});
