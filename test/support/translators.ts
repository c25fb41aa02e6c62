import { createTranslators } from '../../src/i18n/translators.js';

/** The real catalogs, made once for a test file; `en` writes what an English-speaking Slack user reads. */
export const translators = createTranslators();
export const en = translators.english;
