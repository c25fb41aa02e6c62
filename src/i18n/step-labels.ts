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

/**
 * What a step is doing, in the two forms Slack shows: the status line after the app's name ("is looking up
 * SUP-101…", 「が SUP-101 を調べています…」) and the loading message it rotates in its place, a sentence of its own
 * ("Looking up SUP-101…", 「SUP-101 を調べています…」).
 */
export interface StepStatus {
  text: string;
  loading: string;
}

/** The step's status line and loading message; `more`: how many other calls run alongside ("… and 2 more…"). */
export function stepStatus(t: Translator, label: StepLabel, more = 0): StepStatus {
  const values = { ...label.values, more };
  return { text: t.t(`steps.${label.step}.status`, values), loading: t.t(`steps.${label.step}.loading`, values) };
}

/** The title of the step in Slack's thinking steps ("Looking up SUP-101"). */
export function stepTitle(t: Translator, label: StepLabel): string {
  return t.t(`steps.${label.step}.title`, label.values);
}
