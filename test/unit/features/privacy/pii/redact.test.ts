import { describe, expect, it } from 'vitest';
import { findPii, luhnValid, type PiiKind, redactPii } from '../../../../../src/features/privacy/pii/redact.js';
import { fakeToken } from '../../../../support/fake-tokens.js';

/** Each positive must be found as exactly this kind, covering exactly this substring. */
const POSITIVES: Array<[PiiKind, string]> = [
  ['email', 'ada@example.com'],
  ['email', 'first.last+billing@mail.example.co.uk'],
  ['phone', '(415) 555-2671'],
  ['phone', '+44 20 7946 0958'],
  ['phone', '+1 650-253-0000'],
  ['phone', '+49 30 901820'],
  ['card', '4111 1111 1111 1111'],
  ['card', '5555-5555-5555-4444'],
  ['card', '378282246310005'],
  ['card', '6011111111111117'],
  ['token', fakeToken('xoxb', '1234567890-0987654321-AbCdEfGhIjKlMnOp')],
  ['token', fakeToken('xoxp', '1234567890-abcdefghijkl')],
  ['token', 'xapp-1-A0123ABC-4567890-abcdef0123'],
  ['token', 'sk-proj-Ab3dEf6hIj9kLmN0pQrStUvWxYz'],
  ['token', fakeToken('sk', 'abcdefghijklmnopqrstuvwxyz0123456789')],
  ['token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
  ['token', 'AKIAIOSFODNN7EXAMPLE'],
  ['iban', 'DE89 3704 0044 0532 0130 00'],
  ['iban', 'GB82WEST12345698765432'],
  ['iban', 'fr14 2004 1010 0505 0001 3m02 606'],
];

/** Strings that look like PII but are not, and must survive untouched. */
const LOOK_ALIKES: Array<[string, string]> = [
  ['a 16-digit order number failing Luhn', 'Order 4111 1111 1111 1112 shipped'],
  ['a Luhn-valid number with no card issuer prefix', 'Invoice 9000 0000 0000 0001 is paid'],
  ['a long numeric id', 'ticket 1234567812345678 was merged'],
  ['a version string', 'upgrade to 10.0.19045.3803 or v2.14.3'],
  ['an ISO date', 'released on 2024-05-12'],
  ['a date and time', 'on 12/05/2024 at 10:30'],
  ['a Slack message timestamp', 'see ts 1712345678.000100'],
  ['an IBAN with a wrong check digit', 'DE89 3704 0044 0532 0130 01'],
  ['an IP address', 'host 192.168.100.200 is down'],
  ['a UUID', 'request 123e4567-e89b-12d3-a456-426614174000 failed'],
  ['a short sk- word', 'the sk-8 build and task-1234'],
  ['a token prefix alone', 'rotate the xoxb token'],
  ['a short local extension', 'dial ext 555-1234'],
];

describe('PII redaction', () => {
  it.each(POSITIVES)('finds the %s in "%s"', (kind, value) => {
    const text = `before ${value} after`;
    const spans = findPii(text, { phoneRegion: 'US' });
    expect(spans).toEqual([{ kind, start: 7, end: 7 + value.length }]);
  });

  it.each(LOOK_ALIKES)('leaves %s alone', (_why, text) => {
    expect(findPii(text)).toEqual([]);
    expect(redactPii(text).text).toBe(text);
  });

  it('replaces each kind with a visible placeholder and counts them', () => {
    const text = `Mail ada@example.com, call (415) 555-2671, card 4111-1111-1111-1111, key ${fakeToken('sk', 'abcdefghijklmnopqrstuvwx')}, IBAN GB82 WEST 1234 5698 7654 32.`;
    const { text: out, counts } = redactPii(text);
    expect(out).toBe(
      'Mail [REDACTED_EMAIL], call [REDACTED_PHONE], card [REDACTED_CARD], key [REDACTED_TOKEN], IBAN [REDACTED_IBAN].',
    );
    expect(counts).toEqual({ token: 1, email: 1, iban: 1, card: 1, phone: 1 });
  });

  it('redacts addresses inside Slack mailto markup', () => {
    expect(redactPii('<mailto:ada@example.com|ada@example.com>').text).toBe(
      '<mailto:[REDACTED_EMAIL]|[REDACTED_EMAIL]>',
    );
  });

  it('reads national phone formats by the configured region', () => {
    expect(findPii('ring 030 901820 today', { phoneRegion: 'DE' })).toEqual([{ kind: 'phone', start: 5, end: 15 }]);
    expect(findPii('ring 030 901820 today', { phoneRegion: 'US' })).toEqual([]);
  });

  it('checks card numbers with Luhn', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('9000000000000001')).toBe(true);
  });
});
