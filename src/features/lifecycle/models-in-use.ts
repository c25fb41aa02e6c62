import type { FileConfig } from '../../config/file-schema.js';
import { channelSettings } from '../../config/settings.js';

/** A model the configuration uses, and for what (so a warning can say what stops working). */
export interface ModelUse {
  model: string;
  uses: string[];
}

/**
 * Every model the settings name: the default (answers, triage and `threadwise batch` unless given another), the
 * Messages tab's, each channel's, the summarizer and the fallback. `extra` adds models a command uses on its own
 * (the eval grader, a Batch `--model`).
 */
export function modelsInUse(file: FileConfig, envModel: string, extra: ModelUse[] = []): ModelUse[] {
  const byModel = new Map<string, Set<string>>();
  const add = (model: string | undefined, use: string) => {
    if (!model) return;
    const uses = byModel.get(model) ?? new Set<string>();
    uses.add(use);
    byModel.set(model, uses);
  };
  add(channelSettings(file, envModel, '', false).model, 'default (answers, triage, Batch)');
  if (file.dm.model) add(channelSettings(file, envModel, '', true).model, 'direct messages');
  for (const [channel, settings] of Object.entries(file.channels))
    if (settings.model) add(settings.model, `channel ${channel}`);
  add(file.context.summarize_model, 'summaries (context.summarize_model)');
  add(file.openai.fallback_model, 'fallback (openai.fallback_model)');
  for (const e of extra) for (const use of e.uses) add(e.model, use);
  return [...byModel].map(([model, uses]) => ({ model, uses: [...uses] }));
}
