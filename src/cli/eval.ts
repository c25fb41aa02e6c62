import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { createModel, createOpenAIClient } from '../features/answering/turn-setup.js';
import { openAIGate } from '../features/desk/gate.js';
import { loadSuites } from '../features/offline/eval/cases.js';
import { modelGrader } from '../features/offline/eval/grader.js';
import { summarize, table } from '../features/offline/eval/report.js';
import { runSuites } from '../features/offline/eval/runner.js';
import { loadCliConfig } from './config.js';
import { type CliIO, printer } from './io.js';
import { probeOpenAI } from './reachability.js';
import { UsageError } from './usage-error.js';

interface EvalFlags {
  model?: string;
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
  const model = flags.model ?? file.defaults.model ?? env.OPENAI_MODEL;
  const modelEnv = { OPENAI_API_KEY: env.OPENAI_API_KEY!, OPENAI_BASE_URL: env.OPENAI_BASE_URL };
  await probeOpenAI(createOpenAIClient(modelEnv, file), env, model, io.probeTimeoutMs);
  // Failures show up per case in the table and the JSON; log lines would only garble the progress on stderr.
  const log = pino({ level: 'silent' });
  // The grader is not under test: the SDK's own retries are enough for it.
  const graderClient = createOpenAIClient(modelEnv, file).withOptions({ maxRetries: 3 });
  const print = printer(io);
  const startedAt = new Date((io.now ?? Date.now)()).toISOString();
  print(
    `Running ${suites.reduce((n, s) => n + s.cases.length, 0)} cases from ${suites.length} suites with ${model} (rubrics graded by ${flags.graderModel})…`,
  );
  const deps = {
    model: createModel(modelEnv, file, log),
    file,
    grader: modelGrader(graderClient, flags.graderModel),
    gate: openAIGate(
      createOpenAIClient(modelEnv, file),
      { timeoutMs: file.openai.request_timeout_ms, maxRetries: file.openai.max_retries },
      log,
    ),
    now: io.now,
    log,
  };
  const results = await runSuites(suites, deps, {
    model,
    concurrency,
    onCase: (r) => io.stderr.write(`${r.passed ? '✓' : '✗'} ${r.suite}/${r.id}\n`),
  });
  const summary = summarize(results, { model, graderModel: flags.graderModel, startedAt, threshold });
  io.stdout.write(table(summary, Boolean(io.stdout.isTTY)));
  await mkdir(dirname(flags.out), { recursive: true });
  await writeFile(flags.out, `${JSON.stringify(summary, null, 2)}\n`, 'utf8');
  print(`Results written to ${flags.out}.`);
  return summary.ok ? 0 : 1;
}

export function evalCommand(io: CliIO, done: (code: number) => void): Command {
  return new Command('eval')
    .description('Run the eval suites (evals/*.yaml) through the turn pipeline and grade the answers')
    .option('--model <model>', 'model under test, e.g. gpt-4o-2024-11-20 (default: the configured default model)')
    .option('--grader-model <model>', 'model that grades rubrics', 'gpt-4o')
    .option('--dir <path>', 'directory of suite files', 'evals')
    .option('--suite <name...>', 'run only these suites')
    .option('--threshold <fraction>', 'pass rate below which the command fails, e.g. 0.8 or 80%', '0.8')
    .option('--out <path>', 'where to write the JSON results', 'eval-results.json')
    .option('--concurrency <n>', 'cases run at the same time', '4')
    .action(async (flags: EvalFlags) => done(await evaluate(flags, io)));
}
