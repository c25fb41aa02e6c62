import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from 'pino';

const toPino: Record<LogLevel, string> = {
  [LogLevel.DEBUG]: 'debug',
  [LogLevel.INFO]: 'info',
  [LogLevel.WARN]: 'warn',
  [LogLevel.ERROR]: 'error',
};

/** Bolt and the Slack SDKs log through this, so their lines get the same redaction as ours. */
export function boltLogger(base: Logger): BoltLogger {
  let log = base.child({ component: 'bolt' });
  const emit = (level: 'debug' | 'info' | 'warn' | 'error', msgs: unknown[]) => {
    // The SDKs log several debug lines per API call; building one (JSON of every argument) only for pino to drop it
    // cost more than the rest of our logging per turn.
    if (!log.isLevelEnabled(level)) return;
    const err = msgs.find((m): m is Error => m instanceof Error);
    const text = msgs
      .filter((m) => !(m instanceof Error))
      .map((m) => (typeof m === 'string' ? m : JSON.stringify(m)))
      .join(' ');
    if (err) log[level]({ err }, text || err.message);
    else log[level](text);
  };
  return {
    debug: (...m) => emit('debug', m),
    info: (...m) => emit('info', m),
    warn: (...m) => emit('warn', m),
    error: (...m) => emit('error', m),
    setLevel: (level) => {
      log.level = toPino[level];
    },
    getLevel: () =>
      (Object.entries(toPino).find(([, v]) => v === log.level)?.[0] as LogLevel | undefined) ?? LogLevel.INFO,
    setName: (name) => {
      log = base.child({ component: name });
    },
  };
}
