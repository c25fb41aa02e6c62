import { describe, expect, it } from 'vitest';
import type { KnowledgeGap } from '../../../../../src/features/knowledge/contracts.js';
import {
  digestText,
  GROUPING_CUSTOM_ID,
  groupingRequest,
  nextDigestAt,
  parseGrouping,
} from '../../../../../src/features/offline/gaps/digest.js';
import { en, translators } from '../../../../support/translators.js';

const gap = (question: string, threadTs: string): KnowledgeGap => ({
  question,
  channel: 'CHELP',
  threadTs,
  reason: 'handoff',
  at: 1_764_000_000_000,
  askedBy: 'U1',
});
const gaps = [
  gap('How do I reset my VPN token?', '1.000001'),
  gap('Who approves travel above 2,000 EUR?', '1.000002'),
  gap('VPN keeps dropping on hotel wifi', '1.000003'),
];

describe('the gaps digest grouping', () => {
  it('asks for the grouping once, numbered, with Structured Outputs, as a Batch line', () => {
    const line = groupingRequest(gaps, { model: 'gpt-4o-mini', week: '2026-11-23' });
    expect(line).toMatchObject({ custom_id: GROUPING_CUSTOM_ID, method: 'POST', url: '/v1/responses' });
    const body = line.body as {
      input: Array<{ content: Array<{ text: string }> }>;
      text: { format: { type: string; strict: boolean } };
    };
    expect(body.input[0]!.content[0]!.text).toBe(
      'Questions:\n1. How do I reset my VPN token?\n2. Who approves travel above 2,000 EUR?\n3. VPN keeps dropping on hotel wifi',
    );
    expect(body.text.format).toMatchObject({ type: 'json_schema', strict: true, name: 'gap_topics' });
    expect(line.body).toMatchObject({ store: false, metadata: { job: 'gaps_digest', week: '2026-11-23' } });
  });

  it('redacts personal data before the questions leave, when the settings say so', () => {
    const line = groupingRequest([gap('Mail ada@example.com about the VPN', '1.1')], {
      model: 'gpt-4o-mini',
      week: 'w',
      redact: {},
    });
    expect(JSON.stringify(line.body)).not.toContain('ada@example.com');
  });

  it('reads the topics largest first, ignores invented or repeated numbers, and keeps every question', () => {
    const parsed = parseGrouping(
      JSON.stringify({
        topics: [
          { topic: 'Travel approvals', questions: [2, 9] },
          { topic: 'VPN', questions: [1, 3, 2] },
        ],
      }),
      [...gaps, gap('Where is the coffee machine?', '1.000004')],
      'Other',
    );
    expect(parsed.ok && parsed.topics.map((t) => [t.topic, t.gaps.map((g) => g.threadTs)])).toEqual([
      ['VPN', ['1.000001', '1.000003']],
      ['Travel approvals', ['1.000002']],
      ['Other', ['1.000004']],
    ]);
    expect(parseGrouping('not json', gaps, 'Other')).toEqual({ ok: false, error: 'the output is not JSON' });
    expect(parseGrouping('{"topics":[{"topic":"x"}]}', gaps, 'Other').ok).toBe(false);
  });

  it('posts counts and example questions linking their threads, with nothing in them able to ping anyone', () => {
    const text = digestText(
      en,
      [
        { topic: 'VPN <!channel>', gaps: [gaps[0]!, gaps[2]!] },
        { topic: 'Travel', gaps: [gap('<@U123> approve <https://evil.example|this>', '1.9')] },
      ],
      {
        week: '2026-11-23',
        permalink: (g) => (g.threadTs === '1.000001' ? 'https://acme.slack.com/archives/CHELP/p1000001' : undefined),
      },
    );
    expect(text).toContain('week of 2026-11-23* (3)');
    expect(text).toContain('*VPN &lt;!channel&gt;* — 2');
    expect(text).toContain('• <https://acme.slack.com/archives/CHELP/p1000001|How do I reset my VPN token?>');
    expect(text).toContain('• VPN keeps dropping on hotel wifi');
    expect(text).toContain('&lt;@U123&gt;');
    expect(text).not.toContain('<@U123>');
    expect(text).not.toContain('<!channel>');
  });

  it('is written in the digest’s language, and asks the model to name the topics in it', () => {
    const ja = translators.forLocale('ja-JP');
    const text = digestText(ja, [{ topic: 'VPN', gaps: [gaps[0]!] }], {
      week: '2026-11-23',
      permalink: () => undefined,
    });
    expect(text.split('\n')[0]).toBe('*ソースで答えられなかった質問（2026-11-23 の週）*（1 件）: 次に書くべきもの。');
    const line = groupingRequest(gaps, { model: 'gpt-4o-mini', week: 'w', locale: 'ja-JP' });
    const content = (line.body as { input: Array<{ content: Array<{ text: string }> }> }).input[0]!.content;
    expect(content.map((c) => c.text)).toEqual([
      expect.stringMatching(/^Questions:/),
      'Name the topics in Japanese (Japan).',
    ]);
    const left = parseGrouping(JSON.stringify({ topics: [] }), gaps, ja.t('gaps.other'));
    expect(left.ok && left.topics.map((t) => t.topic)).toEqual(['その他']);
  });

  it('falls on the configured weekday and UTC hour, always after now', () => {
    const thursday = Date.UTC(2026, 11, 3, 12, 0); // Thu 3 Dec 2026, 12:00 UTC
    expect(new Date(nextDigestAt(thursday, 'monday', 9)).toISOString()).toBe('2026-12-07T09:00:00.000Z');
    expect(new Date(nextDigestAt(thursday, 'thursday', 13)).toISOString()).toBe('2026-12-03T13:00:00.000Z');
    expect(new Date(nextDigestAt(thursday, 'thursday', 12)).toISOString()).toBe('2026-12-10T12:00:00.000Z');
  });
});
