import { electronicFormatIBAN, isValidIBAN } from 'ibantools';
import type { CountryCode } from 'libphonenumber-js/max';
import { lazyRequire } from '../../../lib/lazy-require.js';

export type PiiKind = 'token' | 'email' | 'iban' | 'card' | 'phone';

export interface PiiSpan {
  kind: PiiKind;
  start: number;
  end: number;
}

export interface RedactOptions {
  /** Region for phone numbers written without a country code, e.g. "(415) 555-2671" with US. */
  phoneRegion?: CountryCode;
}

export interface Redacted {
  text: string;
  counts: Record<PiiKind, number>;
}

/** What replaces each kind: a visible marker, so a reader (or a model) knows something was there. */
const PLACEHOLDER: Record<PiiKind, string> = {
  token: '[REDACTED_TOKEN]',
  email: '[REDACTED_EMAIL]',
  iban: '[REDACTED_IBAN]',
  card: '[REDACTED_CARD]',
  phone: '[REDACTED_PHONE]',
};

/** Credentials by their published prefixes; a pasted secret must never reach a model or a training file. */
const TOKEN_PATTERNS: RegExp[] = [
  /\bxox[abposre]-[A-Za-z0-9-]{10,}/g, // Slack bot/user/legacy tokens
  /\bxapp-\d-[A-Za-z0-9-]{10,}/g, // Slack app-level tokens
  /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g, // OpenAI keys
  /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}/g, // Stripe secret and restricted keys
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{22,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key ids
  /\bAIza[0-9A-Za-z_-]{35}\b/g, // Google API keys
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWTs
];

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** Country code, check digits, then 11–30 alphanumerics, optionally grouped by single spaces. */
const IBAN_CANDIDATE = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/gi;
/** 13–19 digits, optionally grouped by single spaces or dashes. */
const CARD_CANDIDATE = /(?<![\d.])\d(?:[ -]?\d){12,18}(?![\d]|\.\d)/g;

/** The Luhn checksum every payment card number satisfies (and 9 in 10 random digit strings fail). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes and lengths of the major card networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay). */
function looksLikeCardNumber(digits: string): boolean {
  const n = digits.length;
  if (/^4/.test(digits)) return n === 13 || n === 16 || n === 19;
  if (/^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))/.test(digits)) return n === 16;
  if (/^3[47]/.test(digits)) return n === 15;
  if (/^(6011|65|64[4-9]|622)/.test(digits)) return n >= 16 && n <= 19;
  if (/^35(2[89]|[3-8]\d)/.test(digits)) return n >= 16 && n <= 19;
  if (/^3(0[0-5]|[689])/.test(digits)) return n >= 14 && n <= 19;
  if (/^62/.test(digits)) return n >= 16 && n <= 19;
  return false;
}

function matches(text: string, pattern: RegExp, kind: PiiKind, accept: (m: string) => boolean = () => true): PiiSpan[] {
  const out: PiiSpan[] = [];
  for (const m of text.matchAll(pattern))
    if (accept(m[0])) out.push({ kind, start: m.index, end: m.index + m[0].length });
  return out;
}

/**
 * A candidate can run on into the next word ("DE89 3704 … 00 after"), so the longest run of its space-separated
 * groups that passes the country-length and mod-97 checks is taken.
 */
function ibans(text: string): PiiSpan[] {
  const out: PiiSpan[] = [];
  for (const m of text.matchAll(IBAN_CANDIDATE)) {
    const groups = m[0].split(' ');
    for (let n = groups.length; n > 0; n--) {
      const candidate = groups.slice(0, n).join(' ');
      if (isValidIBAN(electronicFormatIBAN(candidate.toUpperCase()) ?? '')) {
        out.push({ kind: 'iban', start: m.index, end: m.index + candidate.length });
        break;
      }
    }
  }
  return out;
}

/** The full metadata (mobile and fixed-line patterns of every country), loaded on the first text redacted. */
const phoneNumbers = lazyRequire<typeof import('libphonenumber-js/max')>('libphonenumber-js/max', import.meta.url);

/** Every PII span in the text, without overlaps; earlier kinds win (a token is never also a phone number). */
export function findPii(text: string, options: RedactOptions = {}): PiiSpan[] {
  const candidates: PiiSpan[] = [
    ...TOKEN_PATTERNS.flatMap((p) => matches(text, p, 'token')),
    ...matches(text, EMAIL, 'email'),
    ...ibans(text),
    ...matches(text, CARD_CANDIDATE, 'card', (m) => {
      const digits = m.replace(/[ -]/g, '');
      return looksLikeCardNumber(digits) && luhnValid(digits);
    }),
    ...phoneNumbers()
      .findPhoneNumbersInText(text, { defaultCountry: options.phoneRegion ?? 'US' })
      .map((p): PiiSpan => ({ kind: 'phone', start: p.startsAt, end: p.endsAt })),
  ];
  const kept: PiiSpan[] = [];
  for (const span of candidates) {
    if (kept.some((k) => span.start < k.end && k.start < span.end)) continue;
    kept.push(span);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/** Replaces every PII span with its placeholder and counts what was removed. */
export function redactPii(text: string, options: RedactOptions = {}): Redacted {
  const counts: Record<PiiKind, number> = { token: 0, email: 0, iban: 0, card: 0, phone: 0 };
  let out = '';
  let at = 0;
  for (const span of findPii(text, options)) {
    out += text.slice(at, span.start) + PLACEHOLDER[span.kind];
    at = span.end;
    counts[span.kind] += 1;
  }
  return { text: out + text.slice(at), counts };
}

/** The redacted text alone, for call sites that only need the string. */
export const redactText = (text: string, options?: RedactOptions): string => redactPii(text, options).text;
