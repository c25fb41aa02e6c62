import type en from './locales/en.json';
import type { MessageValues, Translator } from './translators.js';

/** A step the bot shows while it works: one entry of the catalogs' "steps", each with a status and a title. */
export type StepName = keyof (typeof en)['steps'];

/**
 * What a tool call is doing, as catalog words rather than English text, so the status line and the step title are
 * both written in the asker's language (values: the ticket id, the query, the server's name).
 */
export interface StepLabel {
  step: StepName;
  values?: MessageValues;
}

/** The status line ("is looking up SUP-101…"); `more`: how many other calls run alongside ("… and 2 more…"). */
export function stepStatus(t: Translator, label: StepLabel, more = 0): string {
  return t.t(`steps.${label.step}.status`, { ...label.values, more });
}

/** The title of the step in Slack's thinking steps ("Looking up SUP-101"). */
export function stepTitle(t: Translator, label: StepLabel): string {
  return t.t(`steps.${label.step}.title`, label.values);
}
