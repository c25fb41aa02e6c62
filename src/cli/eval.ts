import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { createModel, createOpenAIClient } from '../features/answering/turn-setup.js';
import { openAIGate } from '../features/desk/gate.js';
import { isGateSuite, loadSuites } from '../features/offline/eval/cases.js';
import { compare, comparisonMarkdown, comparisonTable } from '../features/offline/eval/compare.js';
import { modelGrader } from '../features/offline/eval/grader.js';
import { type EvalSummary, summarize, table } from '../features/offline/eval/report.js';
import { runSuites } from '../features/offline/eval/runner.js';
import { createTranslators } from '../i18n/translators.js';
import { loadCliConfig } from './config.js';
import { type CliIO, printer } from './io.js';
import { lifecycleNote, probeOpenAI } from './reachability.js';
import { UsageError } from './usage-error.js';

interface EvalFlags {
  model?: string;
  compare?: string;
  report: string;
  graderModel: string;
  dir: string;
  suite?: string[];
  threshold: string;
  out: string;
  concurrency: string;
}

function fraction(text: string): number {
  const n = Number(text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : text);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new UsageError(`--threshold expects a fraction such as 0.8 or a percentage such as 80%, not "${text}"`);
  return n;
}

async function evaluate(flags: EvalFlags, io: CliIO): Promise<number> {
  const threshold = fraction(flags.threshold);
  const concurrency = Number(flags.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32)
    throw new UsageError('--concurrency expects a whole number from 1 to 32');
  const { env, file } = loadCliConfig(io.env, ['openai']);
  let suites = await loadSuites(flags.dir);
  if (flags.suite?.length) {
    const unknown = flags.suite.filter((s) => !suites.some((x) => x.name === s));
    if (unknown.length)
      throw new UsageError(
        `no suite named ${unknown.join(', ')} in ${flags.dir} (there are: ${suites.map((s) => s.name).join(', ')})`,
      );
    suites = suites.filter((s) => flags.suite!.includes(s.name));
  }
  const pair = flags.compare ? comparePair(flags.compare, flags.model) : undefined;
  // A model review compares answers; the desk gate's accuracy is a threshold question, run when named with --suite.
  if (pair && !flags.suite?.length) suites = suites.filter((s) => !isGateSuite(s));
  const model = pair?.[1] ?? flags.model ?? file.defaults.model ?? env.OPENAI_MODEL;
  const models = pair ?? [model];
  const modelEnv = { OPENAI_API_KEY: env.OPENAI_API_KEY!, OPENAI_BASE_URL: env.OPENAI_BASE_URL };
  const now = io.now ?? Date.now;
  const print = printer(io);
  for (const m of new Set([...models, flags.graderModel])) {
    const answer = await probeOpenAI(createOpenAIClient(modelEnv, file), env, m, io.probeTimeoutMs);
    const note = lifecycleNote(m, answer, now());
    if (note) print(note);
  }
  // Failures show up per case in the table and the JSON; log lines would only garble the progress on stderr.
  const log = pino({ level: 'silent' });
  // The grader is not under test: the SDK's own retries are enough for it.
  const graderClient = createOpenAIClient(modelEnv, file).withOptions({ maxRetries: 3 });
  const deps = {
    // An eval measures the model it names: a gone model fails its cases instead of quietly using the fallback.
    model: createModel(modelEnv, file, log, { fallback: false }),
    file,
    grader: modelGrader(graderClient, flags.graderModel),
    gate: openAIGate(
      createOpenAIClient(modelEnv, file),
      { timeoutMs: file.openai.request_timeout_ms, maxRetries: file.openai.max_retries },
      log,
    ),
    translators: createTranslators(),
    now: io.now,
    log,
  };
  const cases = suites.reduce((n, s) => n + s.cases.length, 0);
  const summaries = [];
  for (const m of models) {
    print(`Running ${cases} cases from ${suites.length} suites with ${m} (rubrics graded by ${flags.graderModel})…`);
    const startedAt = new Date(now()).toISOString();
    const results = await runSuites(suites, deps, {
      model: m,
      concurrency,
      onCase: (r) => io.stderr.write(`${r.passed ? '✓' : '✗'} ${pair ? `${m} ` : ''}${r.suite}/${r.id}\n`),
    });
    summaries.push(summarize(results, { model: m, graderModel: flags.graderModel, startedAt, threshold }));
  }
  await mkdir(dirname(flags.out), { recursive: true });
  const [baseline, candidate] = summaries as [EvalSummary, EvalSummary | undefined];
  if (!candidate) {
    io.stdout.write(table(baseline, Boolean(io.stdout.isTTY)));
    await writeFile(flags.out, `${JSON.stringify(baseline, null, 2)}\n`, 'utf8');
    print(`Results written to ${flags.out}.`);
    return baseline.ok ? 0 : 1;
  }
  const review = compare(baseline, candidate, threshold);
  io.stdout.write(comparisonTable(review, Boolean(io.stdout.isTTY)));
  await writeFile(flags.out, `${JSON.stringify(review, null, 2)}\n`, 'utf8');
  await mkdir(dirname(flags.report), { recursive: true });
  await writeFile(flags.report, comparisonMarkdown(review), 'utf8');
  print(`Results written to ${flags.out}; the review in Markdown to ${flags.report}.`);
  return review.ok ? 0 : 1;
}

/** `--compare baseline,candidate`: two different model ids, and no `--model` beside them. */
function comparePair(text: string, model: string | undefined): [string, string] {
  if (model) throw new UsageError('--compare names both models; leave out --model');
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 2 || !parts[0] || !parts[1] || parts[0] === parts[1])
    throw new UsageError(`--compare expects two different models such as gpt-4o,gpt-6-luna, not "${text}"`);
  return [parts[0], parts[1]];
}

export function evalCommand(io: CliIO, done: (code: number) => void): Command {
  return new Command('eval')
    .description('Run the eval suites (evals/*.yaml) through the turn pipeline and grade the answers')
    .option('--model <model>', 'model under test, e.g. gpt-4o-2024-11-20 (default: the configured default model)')
    .option(
      '--compare <baseline,candidate>',
      'run the suites on both models and print them side by side; the threshold applies to the candidate',
    )
    .option('--report <path>', 'where --compare writes its Markdown review', 'model-review.md')
    .option('--grader-model <model>', 'model that grades rubrics', 'gpt-4o')
    .option('--dir <path>', 'directory of suite files', 'evals')
    .option('--suite <name...>', 'run only these suites')
    .option('--threshold <fraction>', 'pass rate below which the command fails, e.g. 0.8 or 80%', '0.8')
    .option('--out <path>', 'where to write the JSON results', 'eval-results.json')
    .option('--concurrency <n>', 'cases run at the same time', '4')
    .action(async (flags: EvalFlags) => done(await evaluate(flags, io)));
}
