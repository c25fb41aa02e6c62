import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { FileConfig } from '../../../config/file-schema.js';
import { channelSettings } from '../../../config/settings.js';
import type { FeedbackStore } from '../../../platform/store/feedback.js';
import type { ThreadStore } from '../../../turn/thread.js';
import { modelsInUse } from '../../lifecycle/models-in-use.js';
import type { RedactOptions } from '../../privacy/pii/redact.js';
import { fineTuningStatus, type ModelLookup } from './fine-tuning-status.js';
import {
  type ChatTool,
  type EvalCaseDraft,
  evalCaseDrafts,
  type FinetuneExample,
  finetuneExample,
  RedactionTally,
  ratedThreads,
} from './finetune.js';

export interface ExportDeps {
  feedback: FeedbackStore;
  /** The Models API, where an OpenAI key is configured: it tells shutdown dates. */
  lookupModel?: ModelLookup;
  threads: ThreadStore;
  file: FileConfig;
  envModel: string;
  print(line: string): void;
  readFile(path: string): Promise<string | undefined>;
  writeFile(path: string, text: string): Promise<void>;
  now(): number;
}

export interface ExportOptions {
  since: { seconds: number; label: string };
  /** The fine-tuning JSONL; absent: not written (eval cases are the default path). */
  out?: string;
  evalOut: string;
  redact: RedactOptions;
  /** Function definitions to attach when examples contain tool calls. */
  tools?: ChatTool[];
}

/** OpenAI asks for at least 10 examples per fine-tuning file. */
const MIN_EXAMPLES = 10;

function evalSuiteYaml(
  existing: string | undefined,
  drafts: readonly EvalCaseDraft[],
): { yaml: string; added: number } {
  const suite = (existing ? parseYaml(existing) : undefined) ?? {
    name: 'from-feedback',
    description:
      'Questions whose answers people rated unhelpful in Slack (threadwise export finetune). Sharpen each rubric to say what a good answer contains.',
    cases: [],
  };
  const known = new Set((suite.cases as Array<{ id: string }>).map((c) => c.id));
  const fresh = drafts.filter((d) => !known.has(d.id));
  for (const d of fresh) {
    suite.cases.push({
      id: d.id,
      input: d.input,
      ...(d.history.length ? { history: d.history } : {}),
      expect: {
        rubric: `A user rated this earlier answer as unhelpful:\n«${d.rejected}»\nA passing answer addresses the question directly and avoids what made the earlier answer unhelpful.`,
      },
    });
  }
  return { yaml: stringifyYaml(suite, { lineWidth: 120 }), added: fresh.length };
}

/**
 * `threadwise export finetune`: negative feedback → eval cases (the default path), positive feedback → fine-tuning
 * JSONL when `--out` asks for it; first it says which configured models can still be fine-tuned. PII always redacted.
 */
export async function runFinetuneExport(deps: ExportDeps, opts: ExportOptions): Promise<number> {
  const models = modelsInUse(deps.file, deps.envModel).map((m) => m.model);
  const status = await fineTuningStatus(models, deps.now(), deps.lookupModel);
  for (const line of status.lines) deps.print(line);
  const votes = await deps.feedback.listSince(deps.now() - opts.since.seconds * 1000);
  const rated = ratedThreads(votes);
  const redact = new RedactionTally(opts.redact);
  const examples: FinetuneExample[] = [];
  const drafts: EvalCaseDraft[] = [];
  let gone = 0;
  for (const thread of rated) {
    const items = await deps.threads.load(thread.key);
    if (!items.length) {
      gone += 1;
      continue;
    }
    const settings = channelSettings(deps.file, deps.envModel, thread.key.channel, thread.key.channel.startsWith('D'));
    const example = finetuneExample(items, thread, settings.instructions, redact, opts.tools);
    if (example) examples.push(example);
    drafts.push(...evalCaseDrafts(items, thread, redact));
  }
  const positives = rated.reduce((n, t) => n + [...t.verdicts.values()].filter((v) => v === 'positive').length, 0);
  deps.print(
    `${votes.length} votes in ${opts.since.label} on ${rated.length} threads: ${positives} well-rated and ${drafts.length} badly rated answers.${gone ? ` ${gone} threads are no longer stored and were skipped.` : ''}`,
  );

  if (opts.out) {
    await deps.writeFile(opts.out, examples.map((e) => JSON.stringify(e)).join('\n') + (examples.length ? '\n' : ''));
    deps.print(`${examples.length} fine-tuning examples written to ${opts.out}.`);
    if (!status.open.length)
      deps.print(
        'Note: no configured model takes new fine-tuning jobs any more; keep the file for a future base model.',
      );
    if (examples.length < MIN_EXAMPLES)
      deps.print(
        `Note: OpenAI needs at least ${MIN_EXAMPLES} examples to fine-tune; collect more feedback or widen --since.`,
      );
    const withCalls = examples.filter((e) => e.messages.some((m) => 'tool_calls' in m));
    if (withCalls.some((e) => !e.tools))
      deps.print(
        `Note: ${withCalls.length} examples contain tool calls; pass --tools with the function definitions so they are attached.`,
      );
  } else if (examples.length)
    deps.print(`${examples.length} fine-tuning examples not written: pass --out <file.jsonl> to write them.`);
  const removed = Object.entries(redact.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}${n === 1 ? '' : 's'}`);
  deps.print(`Redacted: ${removed.length ? removed.join(', ') : 'nothing found'}.`);

  if (drafts.length) {
    const { yaml, added } = evalSuiteYaml(await deps.readFile(opts.evalOut), drafts);
    await deps.writeFile(opts.evalOut, yaml);
    deps.print(
      `${added} new eval cases added to ${opts.evalOut}${added < drafts.length ? ` (${drafts.length - added} were there already)` : ''}.`,
    );
  }
  return 0;
}
