import { Redis } from 'ioredis';

export interface Command {
  /** Seconds since the epoch, µs precision (Redis's clock). */
  at: number;
  name: string;
  key: string;
  source: string;
}

/** Redis MONITOR on the bench's own server: every command any client sends, in order. */
export class RedisMonitor {
  readonly commands: Command[] = [];
  private client?: Redis;
  private monitor?: Redis;

  constructor(private readonly url: string) {}

  async start(): Promise<this> {
    this.client = new Redis(this.url);
    const monitor = await this.client.monitor();
    this.monitor = monitor;
    monitor.on('monitor', (time: string, args: string[], source: string) => {
      this.commands.push({ at: Number(time), name: String(args[0]).toUpperCase(), key: String(args[1] ?? ''), source });
    });
    return this;
  }

  /** Commands with Redis time in [fromMs, toMs] (epoch ms). */
  between(fromMs: number, toMs: number): Command[] {
    return this.commands.filter((c) => c.at * 1000 >= fromMs && c.at * 1000 <= toMs);
  }

  async stop(): Promise<void> {
    // MONITOR runs on its own connection, which would otherwise keep reconnecting to a stopped server.
    this.monitor?.disconnect();
    this.client?.disconnect();
  }
}

/** Command name → count. */
export function countByName(commands: Command[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of commands) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
  return counts;
}

/**
 * Round trips in a single turn's timeline: a pipelined or MULTI batch reaches Redis back to back, so a command
 * that arrives more than `gapMs` after the previous one started a new round trip (the client awaited an answer).
 */
export function roundTrips(commands: Command[], gapMs = 0.3): number {
  let trips = 0;
  let last = Number.NEGATIVE_INFINITY;
  for (const c of commands) {
    if ((c.at - last) * 1000 > gapMs) trips++;
    last = c.at;
  }
  return trips;
}
