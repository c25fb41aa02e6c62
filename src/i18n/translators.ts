import i18next from 'i18next';
import ICU from 'i18next-icu';
import de from './locales/de.json' with { type: 'json' };
import en from './locales/en.json' with { type: 'json' };
import es from './locales/es.json' with { type: 'json' };
import fr from './locales/fr.json' with { type: 'json' };
import ja from './locales/ja.json' with { type: 'json' };
import ptBR from './locales/pt-BR.json' with { type: 'json' };
import { LANGUAGES, type Language, languageFor } from './locales-map.js';

/** Every catalog, by language; English holds every key, the others are checked against it by a test. */
export const CATALOGS: Record<Language, object> = { en, de, fr, es, ja, 'pt-BR': ptBR };

/** "notice.error.quota" for every leaf string of the English catalog: a typo in a key does not compile. */
type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Leaves<T[K], `${P}${K}.`>;
}[keyof T & string];
export type MessageKey = Leaves<typeof en>;
export type MessageValues = Record<string, string | number>;

/** The bot's own words in one language: ICU messages (plurals, selects) filled with `values`. */
export interface Translator {
  readonly language: Language;
  t(key: MessageKey, values?: MessageValues): string;
  /** "3 hours, 5 minutes", "3 Stunden, 5 Minuten", "3 時間 5 分": a wait, rounded up to the minute (days beyond 48 hours). */
  duration(ms: number): string;
  /** A moment in UTC with the weekday and date, as this language writes it. */
  utc(at: number): string;
  /** Items in a row with this language's separator ("a, b", "a、b"). */
  list(items: readonly string[]): string;
  /** US dollars with cents (four decimals below one cent, so small costs do not read as zero). */
  usd(amount: number): string;
}

export interface Translators {
  /** The translator for a Slack locale (`ja-JP`); English when there is no catalog for it or it is unknown. */
  forLocale(slackLocale: string | undefined): Translator;
  /** For text nobody in particular reads (a shared channel, a log-like notice) and tests. */
  readonly english: Translator;
}

/**
 * One i18next instance (`createInstance`, never the global one) holding every catalog, with ICU message format
 * through i18next-icu and intl-messageformat: plurals follow each language's CLDR rules (Japanese has one form,
 * English two), and a sentence is one message with placeholders, never concatenated pieces. Catalogs are bundled,
 * so initialisation is synchronous and nothing is fetched at run time.
 */
export function createTranslators(): Translators {
  const instance = i18next.createInstance();
  instance.use(ICU).init({
    resources: Object.fromEntries(Object.entries(CATALOGS).map(([lng, catalog]) => [lng, { translation: catalog }])),
    supportedLngs: [...LANGUAGES],
    fallbackLng: 'en',
    // pt-BR falls back to English, not to a "pt" catalog that does not exist.
    load: 'currentOnly',
    initAsync: false,
    // Text goes to Slack, not HTML; callers neutralise what they put into placeholders.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  const made = new Map<Language, Translator>();
  const forLanguage = (language: Language): Translator => {
    let hit = made.get(language);
    if (!hit) {
      const fixed = instance.getFixedT(language);
      // The catalogs never change while the process runs, so a message without placeholders is resolved once:
      // i18next's lookup and ICU formatting cost about 6 µs a call, and every turn asks for the same few (its
      // status line, the feedback buttons' four labels).
      const plain = new Map<MessageKey, string>();
      const t: Translator['t'] = (key, values) => {
        if (values) return fixed(key, values);
        let text = plain.get(key);
        if (text === undefined) {
          text = fixed(key, {});
          plain.set(key, text);
        }
        return text;
      };
      hit = { language, t, list: (items) => items.join(t('list_separator')), ...formatters(language) };
      made.set(language, hit);
    }
    return hit;
  };
  return { forLocale: (locale) => forLanguage(languageFor(locale)), english: forLanguage('en') };
}

/** Intl.DurationFormat (Node 23+), which TypeScript's ES2023 library does not declare yet. */
const DurationFormat = (
  Intl as unknown as {
    DurationFormat: new (
      language: string,
      options: { style: 'long' },
    ) => { format(d: { days?: number; hours?: number; minutes?: number }): string };
  }
).DurationFormat;

/** Durations, dates and money through Intl, so they read right in every language without catalog entries. */
function formatters(language: Language): Pick<Translator, 'duration' | 'utc' | 'usd'> {
  const durations = new DurationFormat(language, { style: 'long' });
  const stamps = new Intl.DateTimeFormat(language, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
    timeZoneName: 'short',
  });
  return {
    duration: (ms) => {
      const minutes = Math.max(1, Math.ceil(ms / 60_000));
      const hours = Math.floor(minutes / 60);
      if (hours >= 48) return durations.format({ days: Math.round(hours / 24) });
      return durations.format(hours ? { hours, minutes: minutes % 60 } : { minutes });
    },
    utc: (at) => stamps.format(at),
    usd: (amount) =>
      new Intl.NumberFormat(language, {
        style: 'currency',
        currency: 'USD',
        minimumFractionDigits: 2,
        maximumFractionDigits: amount > 0 && amount < 0.01 ? 4 : 2,
      }).format(amount),
  };
}
