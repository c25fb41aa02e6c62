/** The languages Threadwise has a catalog for; English is the fallback for every other Slack locale. */
export const LANGUAGES = ['en', 'de', 'fr', 'es', 'ja', 'pt-BR'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * The catalog for a Slack locale (`users.info` with `include_locale`: en-US, en-GB, de-DE, fr-FR, fr-CA, es-ES,
 * es-LA, ja-JP, pt-BR, …). Matched on the language, so a regional variant Slack adds later still finds its catalog;
 * Portuguese of any region reads the Brazilian catalog, the only Portuguese one. Unknown or absent: English.
 */
export function languageFor(slackLocale: string | undefined): Language {
  const lang = slackLocale?.trim().toLowerCase().split(/[-_]/)[0];
  switch (lang) {
    case 'de':
    case 'fr':
    case 'es':
    case 'ja':
      return lang;
    case 'pt':
      return 'pt-BR';
    default:
      return 'en';
  }
}
