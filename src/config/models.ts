/**
 * What Threadwise knows about each model family, in one place: whether it reasons (and at which efforts), which
 * prompt-cache retentions it accepts, and its announced lifecycle dates. Sources: the openai SDK's types
 * (`ReasoningEffort`, `prompt_cache_retention`), OpenAI's reasoning and prompt-caching guides, and the deprecations
 * page (notice of 2026-10-14). The Models API's `shutdown_date` wins over `shutdown` here whenever it answers.
 */

/** Every effort the Responses API names, lowest first. */
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

export type CacheRetention = 'in_memory' | '24h';

export interface ModelTraits {
  /** The catalogue entry that matched (an alias or a family prefix). */
  family: string;
  /** Reasoning models only: the efforts the model accepts, lowest first. */
  reasoning?: { efforts: readonly ReasoningEffort[] };
  /** `prompt_cache_retention` values the model accepts; empty: the field is left out. */
  cacheRetention: readonly CacheRetention[];
  /** Self-serve fine-tuning: the last day new jobs are accepted (YYYY-MM-DD); absent: not offered. */
  fineTuneUntil?: string;
  /** Announced shutdown (YYYY-MM-DD), for when the Models API does not tell. */
  shutdown?: string;
}

/** The gpt-4o generation: OpenAI shuts it down on 2027-01-14, and takes no new fine-tuning jobs after 2027-01-06. */
const GPT4_SHUTDOWN = '2027-01-14';
const FINE_TUNING_ENDS = '2027-01-06';

const O_SERIES = { efforts: ['low', 'medium', 'high'] } as const;

/**
 * Keyed by alias or family prefix; a model id matches the longest key it equals or starts with followed by `-`
 * (so `gpt-4o-mini-2024-07-18` is `gpt-4o-mini`, never `gpt-4o`).
 */
const CATALOG: Record<string, Omit<ModelTraits, 'family'>> = {
  'gpt-4o': { cacheRetention: [], fineTuneUntil: FINE_TUNING_ENDS, shutdown: GPT4_SHUTDOWN },
  'gpt-4o-2024-05-13': { cacheRetention: [], shutdown: '2026-10-23' },
  'gpt-4o-mini': { cacheRetention: [], fineTuneUntil: FINE_TUNING_ENDS, shutdown: GPT4_SHUTDOWN },
  'gpt-4.1': { cacheRetention: ['in_memory', '24h'], fineTuneUntil: FINE_TUNING_ENDS, shutdown: GPT4_SHUTDOWN },
  'gpt-4.1-mini': { cacheRetention: ['in_memory'], fineTuneUntil: FINE_TUNING_ENDS, shutdown: GPT4_SHUTDOWN },
  'gpt-4.1-nano': { cacheRetention: ['in_memory'], fineTuneUntil: FINE_TUNING_ENDS, shutdown: GPT4_SHUTDOWN },
  o1: { reasoning: O_SERIES, cacheRetention: [] },
  o3: { reasoning: O_SERIES, cacheRetention: [] },
  'o3-mini': { reasoning: O_SERIES, cacheRetention: [] },
  'o4-mini': { reasoning: O_SERIES, cacheRetention: [] },
  'gpt-5': { reasoning: { efforts: ['minimal', 'low', 'medium', 'high'] }, cacheRetention: ['in_memory', '24h'] },
  'gpt-5.1': { reasoning: { efforts: ['none', 'low', 'medium', 'high'] }, cacheRetention: ['in_memory', '24h'] },
  'gpt-5.2': {
    reasoning: { efforts: ['none', 'low', 'medium', 'high', 'xhigh'] },
    cacheRetention: ['in_memory', '24h'],
  },
  // gpt-5.5 and later keep cached prefixes for 24 hours only (SDK: "only `24h` is supported").
  'gpt-5.5': { reasoning: { efforts: ['none', 'low', 'medium', 'high', 'xhigh'] }, cacheRetention: ['24h'] },
  'gpt-5.6': { reasoning: { efforts: ['none', 'low', 'medium', 'high', 'xhigh', 'max'] }, cacheRetention: ['24h'] },
  'gpt-6': { reasoning: { efforts: ['low', 'medium', 'high', 'xhigh', 'max'] }, cacheRetention: ['24h'] },
};

/** The catalogue key a model id falls under, if any. */
function familyOf(model: string): string | undefined {
  let best: string | undefined;
  for (const key of Object.keys(CATALOG)) {
    // gpt-5 must not claim gpt-5.1: a family continues with `-` (a size, a snapshot date, a name) only.
    if ((model === key || model.startsWith(`${key}-`)) && key.length > (best?.length ?? 0)) best = key;
  }
  return best;
}

/** What is known about a model id; an unknown model is treated as a plain (non-reasoning) model without extras. */
export function modelTraits(model: string): ModelTraits {
  const family = familyOf(model);
  return family ? { family, ...CATALOG[family]! } : { family: model, cacheRetention: [] };
}

/**
 * The effort to send: the one asked for when the model accepts it, else the nearest it accepts above it (never
 * less thinking than asked); unset: the lowest the model allows (chat wants the first token soon). Undefined for
 * models that do not reason (the field is then left out).
 */
export function effortFor(model: string, wanted: ReasoningEffort | undefined): ReasoningEffort | undefined {
  const efforts = modelTraits(model).reasoning?.efforts;
  if (!efforts?.length) return undefined;
  if (!wanted) return efforts[0];
  if (efforts.includes(wanted)) return wanted;
  const rank = REASONING_EFFORTS.indexOf(wanted);
  return efforts.find((e) => REASONING_EFFORTS.indexOf(e) > rank) ?? efforts.at(-1);
}

/** The retention to send: the configured one when the model accepts it, else none (the field is left out). */
export function retentionFor(model: string, wanted: CacheRetention | undefined): CacheRetention | undefined {
  return wanted && modelTraits(model).cacheRetention.includes(wanted) ? wanted : undefined;
}
