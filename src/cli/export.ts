import { readFile, writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import type { FileConfig } from '../config/file-schema.js';
import { createOpenAIClient } from '../features/answering/turn-setup.js';
import { approvedMarkdown } from '../features/knowledge/approved/approved-export.js';
import { RedisApprovedStore } from '../features/knowledge/approved/approved-store.js';
import type { ModelLookup } from '../features/offline/export/fine-tuning-status.js';
import type { ChatTool } from '../features/offline/export/finetune.js';
import { runFinetuneExport } from '../features/offline/export/run.js';
import { askWithKey } from '../platform/openai/key-check.js';
import { RedisFeedbackStore } from '../platform/store/feedback.js';
import { createStores, storeOptionsFrom } from '../platform/store/index.js';
import { storeKeys } from '../platform/store/keys.js';
import { loadCliConfig, parseDuration } from './config.js';
import { type CliIO, printer } from './io.js';
import { PROBE_TIMEOUT_MS } from './reachability.js';
import { withRedis } from './redis.js';
import { UsageError } from './usage-error.js';

interface ExportFlags {
  since: string;
  out?: string;
  evalOut: string;
  tools?: string;
}

/** Function definitions in the Responses shape ({type, name, description, parameters}) or the chat shape. */
const toolsFileSchema = z.array(
  z.union([
    z.object({
      type: z.literal('function'),
      name: z.string(),
      description: z.string().optional(),
      parameters: z.record(z.string(), z.unknown()),
    }),
    z.object({
      type: z.literal('function'),
      function: z.object({
        name: z.string(),
        description: z.string().optional(),
        parameters: z.record(z.string(), z.unknown()),
      }),
    }),
  ]),
);

async function readTools(path: string): Promise<ChatTool[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--tools ${path} is not a readable JSON file (${(err as Error).message})`);
  }
  const parsed = toolsFileSchema.safeParse(raw);
  if (!parsed.success)
    throw new UsageError(
      `--tools ${path} must be a JSON array of function definitions ({type:"function", name, description, parameters})`,
    );
  return parsed.data.map((t) =>
    'function' in t
      ? t
      : { type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } },
  );
}

/** GET /v1/models/{id} through the one key probe: a model object, `missing`, or undefined when nothing is known. */
function modelsApi(apiKey: string, baseURL: string | undefined, file: FileConfig): ModelLookup {
  const client = createOpenAIClient({ OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: baseURL }, file);
  return async (model) => {
    const answer = await askWithKey(client, model, PROBE_TIMEOUT_MS);
    if (answer.kind !== 'accepted') return undefined;
    return answer.modelMissing ? 'missing' : answer.model;
  };
}

async function exportFinetune(flags: ExportFlags, io: CliIO): Promise<number> {
  const since = parseDuration(flags.since);
  const tools = flags.tools ? await readTools(flags.tools) : undefined;
  const { env, file } = loadCliConfig(io.env, ['redis']);
  return withRedis(env, async (redis) => {
    const stores = createStores(
      storeOptionsFrom(() => file),
      redis,
    );
    return await runFinetuneExport(
      {
        feedback: new RedisFeedbackStore(redis, storeKeys(file.state.key_prefix)),
        ...(env.OPENAI_API_KEY ? { lookupModel: modelsApi(env.OPENAI_API_KEY, env.OPENAI_BASE_URL, file) } : {}),
        threads: stores.threads,
        file,
        envModel: env.OPENAI_MODEL,
        print: printer(io),
        readFile: (p) => readFile(p, 'utf8').catch(() => undefined),
        writeFile: (p, text) => writeFile(p, text, 'utf8'),
        now: io.now ?? Date.now,
      },
      {
        since,
        out: flags.out,
        evalOut: flags.evalOut,
        redact: { phoneRegion: file.privacy.phone_region as CountryCode },
        tools,
      },
    );
  });
}

/** `threadwise export approved`: every approved answer as Markdown, on stdout or into --out. */
async function exportApproved(flags: { out?: string; team?: string }, io: CliIO): Promise<number> {
  const { env, file } = loadCliConfig(io.env, ['redis']);
  return withRedis(env, async (redis) => {
    const answers = await new RedisApprovedStore(redis, storeKeys(file.state.key_prefix)).list(flags.team);
    const markdown = approvedMarkdown(answers, io.now?.() ?? Date.now());
    if (flags.out) await writeFile(flags.out, markdown, 'utf8');
    else io.stdout.write(markdown);
    io.stderr.write(
      `${answers.length} approved answer${answers.length === 1 ? '' : 's'}${flags.out ? ` written to ${flags.out}` : ''}\n`,
    );
    return 0;
  });
}

export function exportCommand(io: CliIO, done: (code: number) => void): Command {
  const cmd = new Command('export').description(
    'Turn rated conversations into training and test data; export the approved answers',
  );
  cmd
    .command('finetune')
    .description(
      'Badly rated answers → eval cases; well-rated threads → chat fine-tuning JSONL with --out (PII redacted); says which models can still be fine-tuned. Opt-in and for internal apps only: Slack’s terms forbid distributed apps from training models on Slack data',
    )
    .option('--since <duration>', 'how far back to read feedback, e.g. 30d', '30d')
    .option('--out <path>', 'also write well-rated threads as a fine-tuning JSONL file')
    .option('--eval-out <path>', 'eval suite that badly rated answers are added to', 'evals/from-feedback.yaml')
    .option('--tools <file>', 'JSON file with the function definitions to attach to examples that call tools')
    .action(async (flags: ExportFlags) => done(await exportFinetune(flags, io)));
  cmd
    .command('approved')
    .description('every approved answer (question, answer, thread link, who saved it) as Markdown, newest first')
    .option('--out <path>', 'write it to this file instead of stdout')
    .option('--team <id>', 'only this workspace')
    .action(async (flags: { out?: string; team?: string }) => done(await exportApproved(flags, io)));
  return cmd;
}
