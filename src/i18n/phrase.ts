import type { MessageKey, MessageValues, Translator } from './translators.js';

/**
 * Words the bot says once it knows in which language: a catalog key and its values. Code that finds something to
 * tell the asker before their language is at hand (an MCP server down, a sign-in needed) returns this, and the
 * turn writes it with the asker's translator.
 */
export interface Phrase {
  key: MessageKey;
  values?: MessageValues;
}

export const say = (t: Translator, p: Phrase): string => t.t(p.key, p.values);
