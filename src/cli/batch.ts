import { writeFile } from 'node:fs/promises';
import { WebClient } from '@slack/web-api';
import { Command, Option } from 'commander';
import OpenAI from 'openai';
import { pino } from 'pino';
import { runBatchTriage } from '../features/offline/batch/run.js';
import { redactOptionsFrom } from '../features/privacy/pii/redacting-model.js';
import { priceTable } from '../features/usage/prices.js';
import { SlackLookups } from '../platform/slack/lookups.js';
import { loadCliConfig, parseDuration } from './config.js';
import { batchProgress, type CliIO, confirm, printer } from './io.js';
import { lifecycleNote, probeOpenAI, probeSlack } from './reachability.js';
import { UsageError } from './usage-error.js';

interface TriageFlags {
  channel?: string;
  since?: string;
  resume?: string;
  out?: string;
  format?: 'md' | 'csv';
  post?: string;
  model?: string;
  yes: boolean;
  wait: boolean;
  pollInterval: string;
}

async function triage(flags: TriageFlags, io: CliIO): Promise<number> {
  if (!flags.resume && (!flags.channel || !flags.since))
    throw new UsageError('pass --channel and --since for a new run, or --resume batch_… to pick one up');
  if (flags.resume && !/^batch_[A-Za-z0-9]+$/.test(flags.resume))
    throw new UsageError(`--resume expects a batch id such as batch_abc123, not "${flags.resume}"`);
  if (flags.channel && !/^[CGD][A-Z0-9]+$/.test(flags.channel))
    throw new UsageError(`--channel expects a channel id such as C0123ABCD, not "${flags.channel}"`);
  const { env, file } = loadCliConfig(io.env, ['slack', 'openai']);
  const slackOptions = { slackApiUrl: env.SLACK_API_URL, logger: undefined };
  // History reads surface 429s so the collector can wait and say so; other calls let the SDK wait.
  const slack = new WebClient(env.SLACK_BOT_TOKEN, { ...slackOptions, rejectRateLimitedCalls: true });
  const model = flags.model ?? file.defaults.model ?? env.OPENAI_MODEL;
  const openai = new OpenAI({ apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL, maxRetries: 3 });
  const auth = await probeSlack(env, io.probeTimeoutMs);
  const note = lifecycleNote(model, await probeOpenAI(openai, env, model, io.probeTimeoutMs), (io.now ?? Date.now)());
  if (note) printer(io)(note);
  const quiet = pino({ level: 'silent' });
  return runBatchTriage(
    {
      openai,
      slack,
      lookups: new SlackLookups(new WebClient(env.SLACK_BOT_TOKEN, slackOptions), quiet),
      bot: { userId: String(auth.user_id ?? ''), workspaceUrl: auth.url },
      print: printer(io),
      confirm: (q) => confirm(io, q),
      progress: batchProgress(io),
      writeFile: (path, text) => writeFile(path, text, 'utf8'),
      now: io.now ?? Date.now,
      sleep: io.sleep,
      signal: io.signal,
    },
    {
      channel: flags.channel,
      since: flags.since ? parseDuration(flags.since) : undefined,
      resume: flags.resume,
      out: flags.out,
      format: flags.format,
      post: flags.post,
      yes: flags.yes,
      wait: flags.wait,
      model,
      ...(file.openai.reasoning_effort ? { reasoningEffort: file.openai.reasoning_effort } : {}),
      pollIntervalMs: parseDuration(flags.pollInterval).seconds * 1000,
      redact: redactOptionsFrom(file.privacy),
      prices: priceTable(file.pricing),
    },
  );
}

export function batchCommand(io: CliIO, done: (code: number) => void): Command {
  const batch = new Command('batch').description('Work for the Batch API (half price, results within 24 hours)');
  batch
    .command('triage')
    .description("Triage a channel's threads with Structured Outputs through the Batch API and write a report")
    .option('--channel <id>', 'channel id to read (C…)')
    .option('--since <duration>', 'how far back to read, e.g. 7d, 36h, 2w')
    .option('--resume <batch_id>', 'pick up a batch submitted earlier (after an interruption)')
    .option('--out <path>', 'report file; .csv writes CSV, anything else Markdown')
    .addOption(new Option('--format <format>', 'report format, overriding the file extension').choices(['md', 'csv']))
    .option('--post <channel>', 'also post a digest to this channel')
    .option('--model <model>', 'model for the triage (default: the configured default model)')
    .option('-y, --yes', 'submit without asking for confirmation', false)
    .option('--no-wait', 'submit and exit; resume later with --resume')
    .option('--poll-interval <duration>', 'time between status checks, e.g. 30s or 5m', '30s')
    .action(async (flags: TriageFlags) => done(await triage(flags, io)));
  return batch;
}
