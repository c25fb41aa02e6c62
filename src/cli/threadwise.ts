import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { secretEnvKeys } from '../config/env.js';
import { ConfigError } from '../config/errors.js';
import { SuiteError } from '../features/offline/eval/cases.js';
import { scrubSecrets } from '../platform/observability/logger.js';
import { auditCommand } from './audit.js';
import { batchCommand } from './batch.js';
import { parseChatArgs, runChat } from './chat.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { type CliIO, processIO } from './io.js';
import { UsageError } from './usage-error.js';

/**
 * `start` is the default command, so Commander would hand it any unknown word and complain about "too many
 * arguments for 'start'"; a first word that names no command is reported as what it is.
 */
function rejectUnknownCommand(program: Command, argv: readonly string[]): void {
  const first = argv[0];
  if (!first || first.startsWith('-')) return;
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  if (names.includes(first) || first === 'help') return;
  program.error(`error: unknown command '${first}' (commands: ${names.join(', ')}; see threadwise --help)`, {
    code: 'commander.unknownCommand',
  });
}

/** Runs one `threadwise …` command line and returns its exit code; never exits the process itself. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  let code = 0;
  const done = (c: number) => {
    code = c;
  };
  const program = new Command('threadwise').description(
    'Threadwise: the Slack bot, a terminal chat on the same pipeline, and offline jobs (Batch triage, evals, fine-tuning exports)',
  );
  program
    .command('start', { isDefault: true })
    .description('run the Slack bot (the default)')
    .action(async () => {
      await import('../main.js');
      // The bot runs until a signal; main.ts exits the process itself after a graceful shutdown.
      await new Promise<never>(() => undefined);
    });
  program
    .command('chat')
    .description('talk to the same turn pipeline in this terminal (needs only OPENAI_API_KEY)')
    .option('--channel <id>', "use this channel's settings")
    .option('--thread <name>', 'resume a named thread (kept in Redis when REDIS_URL is set)')
    .action(async (opts: { channel?: string; thread?: string }) => {
      const args = parseChatArgs([
        ...(opts.channel ? ['--channel', opts.channel] : []),
        ...(opts.thread ? ['--thread', opts.thread] : []),
      ]);
      done(
        await runChat(io.env, args, {
          input: io.stdin,
          output: io.stdout,
          interactive: Boolean(io.stdin.isTTY && io.stdout.isTTY),
          onInterrupt: io.onInterrupt,
        }),
      );
    });
  program.addCommand(batchCommand(io, done));
  program.addCommand(evalCommand(io, done));
  program.addCommand(exportCommand(io, done));
  program.addCommand(auditCommand(io, done));
  // Commander would exit the process on bad flags or --help; every (sub)command reports through io instead.
  const own = (cmd: Command): void => {
    cmd
      .exitOverride()
      .showHelpAfterError()
      .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
    cmd.commands.forEach(own);
  };
  own(program);
  try {
    rejectUnknownCommand(program, argv);
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const secrets = secretEnvKeys.map((k) => io.env[k]).filter((v): v is string => Boolean(v));
    const message =
      err instanceof ConfigError
        ? err.problems.map((p) => `  - ${p}`).join('\n')
        : scrubSecrets((err as Error)?.message ?? String(err), secrets);
    io.stderr.write(`threadwise: ${err instanceof ConfigError ? `fix these settings:\n${message}` : message}\n`);
    return err instanceof ConfigError || err instanceof UsageError || err instanceof SuiteError ? 2 : 1;
  }
}

/** The process entry: bin/threadwise.js (compiled, in production), or `tsx src/cli/threadwise.ts` (development). */
export function run(): void {
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort(new Error('interrupted')));
  main(process.argv.slice(2), processIO(interrupt.signal)).then((code) => process.exit(code));
}

const isEntry = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) run();
