import { modelTraits } from '../../../config/models.js';
import type { ModelInfo } from '../../../platform/openai/key-check.js';
import { daysUntil } from '../../lifecycle/shutdown-guard.js';

/** What the Models API says about a model: its object, `missing` (model_not_found), or undefined (no answer). */
export type ModelLookup = (model: string) => Promise<ModelInfo | 'missing' | undefined>;

const inDays = (days: number) => `${days} day${days === 1 ? '' : 's'}`;

/**
 * Which of the configured models can still be fine-tuned, plainly: OpenAI's Models API tells shutdown dates (it is
 * asked where a key is configured), the catalogue in src/config/models.ts the rest — self-serve fine-tuning takes
 * no new jobs after 2027-01-06, and the gpt-4o generation (with the fine-tunes built on it) shuts down on 2027-01-14.
 */
export async function fineTuningStatus(
  models: readonly string[],
  now: number,
  lookup?: ModelLookup,
): Promise<{ lines: string[]; open: string[] }> {
  const lines: string[] = [];
  const open: string[] = [];
  for (const model of models) {
    const traits = modelTraits(model);
    const info = await lookup?.(model).catch(() => undefined);
    if (info === 'missing') {
      lines.push(`• ${model}: OpenAI no longer serves it (model_not_found): it cannot be fine-tuned.`);
      continue;
    }
    const shutdown = info?.shutdownDate ?? traits.shutdown;
    const source = info?.shutdownDate ? 'the Models API' : "OpenAI's deprecations notice";
    const ends =
      shutdown && daysUntil(shutdown, now) > 0
        ? ` It and the fine-tunes built on it shut down on ${shutdown} (${source}, in ${inDays(daysUntil(shutdown, now))}).`
        : shutdown
          ? ` It was shut down on ${shutdown}.`
          : '';
    if (!traits.fineTuneUntil) {
      lines.push(`• ${model}: no self-serve fine-tuning.${ends}`);
      continue;
    }
    const left = daysUntil(traits.fineTuneUntil, now) + 1; // jobs are taken through the last day
    if (left > 0 && !(shutdown && daysUntil(shutdown, now) <= 0)) {
      open.push(model);
      lines.push(`• ${model}: new fine-tuning jobs until ${traits.fineTuneUntil} (${inDays(left)} left).${ends}`);
    } else lines.push(`• ${model}: self-serve fine-tuning closed after ${traits.fineTuneUntil}.${ends}`);
  }
  const head = open.length
    ? `Fine-tuning: ${open.join(', ')} can still be fine-tuned, but not for long; the eval cases below are the lasting use of this feedback.`
    : 'Fine-tuning: none of the configured models can be fine-tuned any more; this feedback becomes eval cases instead.';
  return { lines: [head, ...lines], open };
}
