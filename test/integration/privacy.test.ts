import { afterEach, describe, expect, it } from 'vitest';
import { fakeToken } from '../support/fake-tokens.js';
import { Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.stop());

const PASTED = `my card 4111 1111 1111 1111 got charged twice, mail me at ada@example.com or call +44 20 7946 0958; token ${fakeToken('xoxb', '1234567890-abcdefghijklmnop')}`;

describe('redacting PII before it reaches OpenAI', () => {
  it('sends placeholders instead of card numbers, emails, phones and tokens when privacy.redact_before_openai is on', async () => {
    h = await new Harness({ yaml: 'privacy:\n  redact_before_openai: true\n' }).start();
    const first = await h.mention({ text: PASTED });
    await h.turnFinished(first.eventId);
    const root = h.slack.messages('C0SUP1')[0]!.ts;
    const follow = await h.mention({ text: 'any news? IBAN DE89 3704 0044 0532 0130 00', thread_ts: root });
    await h.turnFinished(follow.eventId);

    const sent = h.openai.responsesRequests().map((r) => JSON.stringify(r.body.input));
    expect(sent[0]).toContain(
      'my card [REDACTED_CARD] got charged twice, mail me at [REDACTED_EMAIL] or call [REDACTED_PHONE]; token [REDACTED_TOKEN]',
    );
    // The history resent on the second turn is redacted too, and so is the new message.
    expect(sent[1]).toContain('[REDACTED_CARD]');
    expect(sent[1]).toContain('any news? IBAN [REDACTED_IBAN]');
    for (const body of sent) {
      expect(body).not.toContain('4111');
      expect(body).not.toContain('ada@example.com');
      expect(body).not.toContain('xoxb-');
      expect(body).not.toContain('DE89');
    }
  });

  it('sends the text as written when redaction is off (the default)', async () => {
    h = await new Harness({ redis: false }).start();
    const sent = await h.mention({ text: 'mail me at ada@example.com' });
    await h.turnFinished(sent.eventId);
    expect(JSON.stringify(h.openai.responsesRequests()[0]!.body.input)).toContain('mail me at ada@example.com');
  });
});
