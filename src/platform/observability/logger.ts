import { type DestinationStream, type Logger, pino } from 'pino';
import { lazyRequire } from '../../lib/lazy-require.js';

export type { Logger } from 'pino';

/** Human-readable output is for development and the terminal chat; production writes JSON lines without it. */
const pinoPretty = lazyRequire<typeof import('pino-pretty')>('pino-pretty', import.meta.url);

/** Token shapes that must never be printed even when they are not ours (a user may paste one). */
const TOKEN_PATTERNS = [/xox[abposre]-[A-Za-z0-9-]{6,}/g, /xapp-[A-Za-z0-9-]{6,}/g, /\bsk-[A-Za-z0-9_-]{12,}/g];

/**
 * Fields that hold a secret whatever its shape, blanked by exact path. No wildcards (`*.token`): pino's wildcard
 * redaction copies and walks every line and cost 4–10× the rest of a line's logging (docs/benchmarks.md), and no
 * call site nests these fields; a secret anywhere else in a line is caught by the scrub of the serialized line below.
 */
const REDACT_PATHS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'apiKey',
  'authorization',
  'client_secret',
  'headers.authorization',
  'headers.Authorization',
  'headers.cookie',
];

export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  // Checked before splitting: a split and join copies the whole line for every secret, and almost no line has one.
  for (const secret of secrets)
    if (secret.length >= 6 && out.includes(secret)) out = out.split(secret).join('[REDACTED]');
  for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, '[REDACTED]');
  return out;
}

/**
 * Path redaction only covers fields we know about; secrets can also hide inside error messages and
 * third-party log lines, so every serialized line is scrubbed on its way out as a last line of defence.
 */
function scrubbingDestination(inner: DestinationStream, secrets: readonly string[]): DestinationStream {
  return { write: (line: string) => inner.write(scrubSecrets(line, secrets)) };
}

export interface LoggerOptions {
  level: string;
  secrets: readonly string[];
  /** Where lines go (tests capture them); otherwise stdout, or `fd`. Pretty output is written here too. */
  destination?: DestinationStream;
  /** Human-readable coloured lines (development) instead of JSON lines (production). */
  pretty?: boolean;
  /** File descriptor when no destination is given: 1 (stdout, default) or 2 (stderr, for the terminal chat). */
  fd?: 1 | 2;
  /**
   * One short line per entry: level, message and the error's message, no fields and no stack (the terminal chat,
   * where logs share the screen with the conversation).
   */
  terse?: boolean;
}

/** Pretty output in development, JSON lines everywhere else (log collectors parse them). */
export const prettyLogsFor = (nodeEnv: string | undefined) => nodeEnv === 'development';

export function createLogger({
  level,
  secrets,
  destination,
  pretty = false,
  fd = 1,
  terse = false,
}: LoggerOptions): Logger {
  const colorize = !destination && Boolean(process.stderr.isTTY);
  const out = terse
    ? pinoPretty().build({
        destination: destination ?? fd,
        colorize,
        sync: true,
        hideObject: true,
        ignore: 'time,pid,hostname',
        messageFormat: '{msg}{if err.message}: {err.message}{end}',
      })
    : pretty
      ? pinoPretty().build({ destination: destination ?? fd, colorize, translateTime: 'SYS:HH:MM:ss.l', sync: true })
      : (destination ?? pino.destination({ dest: fd, sync: false }));
  return pino(
    {
      level,
      base: { service: 'threadwise' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      serializers: { err: pino.stdSerializers.err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // Scrubbing sits in front of both formats: pino-pretty parses the already-scrubbed JSON line.
    scrubbingDestination(out, secrets),
  );
}
