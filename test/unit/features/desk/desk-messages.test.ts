import { describe, expect, it } from 'vitest';
import { escalationText, handoffText } from '../../../../src/features/desk/desk-blocks.js';
import { topTopics } from '../../../../src/features/desk/stats.js';
import { createTranslators } from '../../../../src/i18n/translators.js';

const translators = createTranslators();
const en = translators.english;

describe('desk messages', () => {
  it('the hand-off pings only on-call: a question with <!channel> or a mention is shown as text', () => {
    const text = handoffText(en, {
      oncall: ['S0ONCALL', 'U0LEAD'],
      asker: 'U1',
      by: 'U2',
      question: 'urgent <!channel> <@U9> <https://evil.example|click>',
      tried: 'I answered from <Travel Policy>.',
    });
    expect(text.split('\n')).toEqual([
      '🙋 <!subteam^S0ONCALL> <@U0LEAD>, could you take this one? <@U2> asked for a person to help <@U1>.',
      '*Question:* urgent &lt;!channel&gt; &lt;@U9&gt; &lt;https://evil.example|click&gt;',
      '*Tried so far:* I answered from &lt;Travel Policy&gt;.',
    ]);
  });

  it('escalations say how long the question has waited, the second one "still"', () => {
    expect(escalationText(en, ['S0ONCALL'], 30 * 60_000, 1)).toBe(
      '⏰ <!subteam^S0ONCALL>: this question has been waiting 30 minutes for a person.',
    );
    expect(escalationText(en, [], 60 * 60_000, 2)).toBe(
      '⏰ Team: this question has still been waiting 1 hour for a person.',
    );
  });

  it('a Japanese asker gets the hand-off and the escalation in Japanese, on-call still mentioned', () => {
    const ja = translators.forLocale('ja-JP');
    const text = handoffText(ja, { oncall: ['S0ONCALL'], asker: 'U1', by: 'U1', question: 'VPN?', tried: 'x' });
    expect(text.split('\n')).toEqual([
      '🙋 <!subteam^S0ONCALL>、こちらの対応をお願いできますか？<@U1> さんが担当者との対応を希望しています。',
      '*質問:* VPN?',
      '*これまでの対応:* x',
    ]);
    expect(escalationText(ja, [], 30 * 60_000, 1)).toBe(
      '⏰ チームの皆さん: この質問は担当者の対応を 30 分待っています。',
    );
  });

  it('the top unanswered topics are the words most questions share, without filler words', () => {
    expect(
      topTopics(['The VPN is down again', 'vpn drops in Lisbon', 'Printer toner empty', 'Is the printer broken?']),
    ).toEqual([
      { topic: 'printer', questions: 2 },
      { topic: 'vpn', questions: 2 },
      { topic: 'again', questions: 1 },
      { topic: 'broken', questions: 1 },
      { topic: 'down', questions: 1 },
    ]);
  });
});
