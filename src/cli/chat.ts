import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { secretEnvKeys } from '../config/env.js';
import { ConfigError } from '../config/errors.js';
import { loadChatConfig } from '../config/load.js';
import { describeRedis, redisTarget } from '../config/redis-env.js';
import { channelSettings } from '../config/settings.js';
import { createModel, createTurnDeps } from '../features/answering/turn-setup.js';
import { createTranslators } from '../i18n/translators.js';
import { createLogger, prettyLogsFor, scrubSecrets } from '../platform/observability/logger.js';
import { readLocalFiles } from '../platform/slack/files/local-files.js';
import { createRedis, createStores, redisReady, storeOptionsFrom } from '../platform/store/index.js';
import { runTurn } from '../turn/run-turn.js';
import type { ThreadKey } from '../turn/thread.js';
import { CHAT_HELP, parseChatLine } from './chat-commands.js';
import { ChatInterrupts } from './chat-interrupts.js';
import { TerminalSink } from './terminal-sink.js';

export interface ChatIO {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Prompts and the banner are only shown to a person, not to a pipe. */
  interactive: boolean;
  /** Calls the listener on each Ctrl-C (SIGINT) until the returned function is called. */
  onInterrupt?: (listener: () => void) => () => void;
}

export interface ChatArgs {
  /** Use this channel's settings (instructions, model …) instead of the direct-message ones. */
  channel?: string;
  /** Continue a named thread (kept in Redis when REDIS_URL is set). */
  thread?: string;
}

const CHAT_TEAM = 'local';

/**
 * `threadwise chat`: the same turn pipeline as in Slack — settings, store, model adapter, retries, notices —
 * with the terminal as the reply sink. Only OPENAI_* (and optionally REDIS_URL, THREADWISE_CONFIG) are needed.
 */
export async function runChat(source: NodeJS.ProcessEnv, args: ChatArgs, io: ChatIO): Promise<number> {
  let config: ReturnType<typeof loadChatConfig>;
  try {
    config = loadChatConfig({ LOG_LEVEL: 'warn', ...source });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.output.write(`${err.message}\n`);
    return 2;
  }
  const { env, file } = config;
  const secrets = secretEnvKeys.map((k) => source[k]).filter((v): v is string => Boolean(v));
  // Logs go to stderr so they never mix with the conversation on stdout, one short line each unless debugging.
  const log = createLogger({
    level: env.LOG_LEVEL,
    secrets,
    pretty: prettyLogsFor(env.NODE_ENV) || io.interactive,
    terse: !['debug', 'trace'].includes(env.LOG_LEVEL),
    fd: 2,
  });
  const target = redisTarget(env);
  const redis = target ? createRedis(target) : undefined;
  redis?.on('error', (err) => log.warn({ err: { message: err.message } }, 'redis connection problem'));
  if (redis && !(await redisReady(redis, 5_000))) {
    redis.disconnect();
    io.output.write(
      `Redis (${describeRedis(target!)}) is not reachable; start it, or unset it to keep the conversation in memory.\n`,
    );
    return 1;
  }
  const stores = createStores(
    storeOptionsFrom(() => file),
    redis,
  );
  const interrupts = new ChatInterrupts();
  // The terminal has no Slack locale: the bot's own notices are in English.
  const deps = createTurnDeps(
    file,
    interrupts.wrap(createModel(env, file, log)),
    stores.threads,
    createTranslators(),
    log,
  );

  const channel = args.channel ?? 'Dchat';
  const settings = channelSettings(file, env.OPENAI_MODEL, channel, !args.channel);
  const user = { id: `local-${userInfo().username}`, name: userInfo().username };
  const newKey = (name?: string): ThreadKey => ({
    teamId: CHAT_TEAM,
    channel,
    threadTs: name ?? `chat-${randomBytes(4).toString('hex')}`,
  });
  let key = newKey(args.thread);
  const say = (text: string) => io.output.write(`${text}\n`);

  if (io.interactive) {
    const remembered = (await stores.threads.load(key)).length;
    say(
      `threadwise chat · model ${settings.model} · ${redis ? 'Redis store' : 'memory store'} · thread ${key.threadTs}${remembered ? ` (${remembered} items remembered)` : ''}`,
    );
    say('Type /help for commands.');
  }
  const lines = createInterface({ input: io.input, terminal: false });
  let ending = false;
  const stopListening = io.onInterrupt?.(() => {
    if (interrupts.interrupt()) return;
    ending = true;
    lines.close();
  });
  const prompt = () => io.interactive && io.output.write('you> ');
  prompt();
  let turns = 0;
  let failed = 0;
  try {
    for await (const raw of lines) {
      if (ending) break;
      const line = parseChatLine(raw);
      if (line.kind === 'exit') break;
      if (line.kind === 'help') say(CHAT_HELP);
      else if (line.kind === 'unknown') say(`Unknown command ${line.command}. Type /help for commands.`);
      else if (line.kind === 'new') {
        key = newKey();
        say(`New thread ${key.threadTs}.`);
      } else if (line.kind === 'message') {
        const turnId = `chat-${randomBytes(6).toString('hex')}`;
        const messageTs = `${(Date.now() / 1000).toFixed(6)}`;
        const turnLog = log.child({ turn: turnId });
        if (io.interactive) io.output.write('threadwise> ');
        try {
          const files = line.imagePaths.length
            ? await readLocalFiles(line.imagePaths, messageTs, settings.imageDetail, file.files, turnLog)
            : undefined;
          const { value, stopped } = await interrupts.during(() =>
            runTurn(
              { turnId, key, settings, user, text: line.text, messageTs, ...files, sink: new TerminalSink(io.output) },
              { ...deps, log: turnLog },
            ),
          );
          // An answer stopped with Ctrl-C was the user's choice, not a failure.
          if (value.outcome === 'failed' && !stopped) failed++;
        } catch (err) {
          // Not a model failure (those end as notices): the store or a file broke. One line, and the chat goes on.
          failed++;
          say(`⚠️ This turn failed: ${scrubSecrets((err as Error)?.message ?? String(err), secrets).split('\n')[0]}`);
        }
        turns++;
      }
      prompt();
    }
  } finally {
    stopListening?.();
    lines.close();
    await stores.close();
  }
  if (io.interactive) say(`\nBye (${turns} turn${turns === 1 ? '' : 's'}${failed ? `, ${failed} failed` : ''}).`);
  // A script that pipes questions in learns from the exit code whether every answer came through.
  return failed ? 1 : 0;
}

export function parseChatArgs(argv: string[]): ChatArgs {
  const { values } = parseArgs({
    args: argv,
    options: { channel: { type: 'string' }, thread: { type: 'string' } },
    strict: true,
  });
  return { channel: values.channel, thread: values.thread };
}
