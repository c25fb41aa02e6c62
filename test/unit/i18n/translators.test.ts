import { describe, expect, it } from 'vitest';
import { languageFor } from '../../../src/i18n/locales-map.js';
import { createTranslators } from '../../../src/i18n/translators.js';

describe('which catalog a Slack locale reads', () => {
  it.each([
    ['en-US', 'en'],
    ['en-GB', 'en'],
    ['de-DE', 'de'],
    ['fr-FR', 'fr'],
    ['fr-CA', 'fr'],
    ['es-ES', 'es'],
    ['es-LA', 'es'],
    ['ja-JP', 'ja'],
    ['pt-BR', 'pt-BR'],
    ['pt-PT', 'pt-BR'],
    ['it-IT', 'en'],
    ['ko-KR', 'en'],
    ['', 'en'],
    [undefined, 'en'],
  ])('%s reads %s', (locale, language) => {
    expect(languageFor(locale)).toBe(language);
  });
});

describe('a translator', () => {
  const translators = createTranslators();

  it('writes plurals by the rules of each language', () => {
    const en = translators.forLocale('en-US');
    expect(en.t('notice.round_limit', { rounds: 1 })).toContain('after 1 round of');
    expect(en.t('notice.round_limit', { rounds: 3 })).toContain('after 3 rounds of');
    const de = translators.forLocale('de-DE');
    expect(de.t('status.reading_images', { count: 1 })).toBe('liest deinen Screenshot…');
    expect(de.t('status.reading_images', { count: 2 })).toBe('liest deine Screenshots…');
    // Japanese has one form: the count is written, not the noun changed.
    expect(translators.forLocale('ja-JP').t('status.reading_images', { count: 2 })).toBe(
      'がスクリーンショット（2 枚）を読んでいます…',
    );
  });

  it('leaves out an optional reference when there is none', () => {
    const fr = translators.forLocale('fr-FR');
    expect(fr.t('notice.error.connection', { reference: 'none' })).toBe(
      '⚠️ La connexion à OpenAI a été interrompue. Merci de réessayer.',
    );
    expect(fr.t('notice.error.connection', { reference: 'req_9' })).toContain('(référence `req_9`)');
  });

  it('formats numbers, money, durations and dates as the language writes them', () => {
    const de = translators.forLocale('de-DE');
    expect(de.t('notice.files.truncated', { read: 12000, total: 50000, name: 'a.txt' })).toContain(
      'ersten 12.000 von 50.000 Zeichen',
    );
    expect(de.usd(12.5)).toBe('12,50\u00a0$');
    expect(translators.english.usd(0.0012)).toBe('$0.0012');
    expect(translators.english.duration(185 * 60_000)).toBe('3 hours, 5 minutes');
    expect(translators.forLocale('ja-JP').utc(Date.UTC(2026, 7, 1))).toContain('2026年8月1日');
    expect(translators.forLocale('ja-JP').list(['a', 'b'])).toBe('a、b');
  });

  it('falls back to English for a locale without a catalog', () => {
    expect(translators.forLocale('it-IT').t('notice.stopped')).toBe('_Stopped._');
    expect(translators.forLocale('it-IT').language).toBe('en');
  });
});
