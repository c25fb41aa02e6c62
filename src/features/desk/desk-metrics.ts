import { Counter, Histogram, type Registry } from 'prom-client';
import type { DeskCount } from './desk-stats.js';

/** The desk's counts as Prometheus series on the app's registry (the same events `/threadwise stats` counts). */
export interface DeskMetrics {
  count(what: DeskCount): void;
  firstHumanReply(ms: number): void;
}

const HELP: Record<DeskCount, string> = {
  questions: 'Top-level questions asked in help-desk channels.',
  answered: 'Help-desk questions the bot answered on its own.',
  deflected: 'Help-desk questions the bot answered that the asker marked solved without a person (deflection).',
  handoffs: 'Help-desk threads handed off to a person.',
  sla_breaches: 'Help-desk questions that waited sla_minutes without a person replying.',
};

export function deskMetrics(registry: Registry): DeskMetrics {
  const registers = [registry];
  const counters = Object.fromEntries(
    (Object.keys(HELP) as DeskCount[]).map((what) => [
      what,
      new Counter({ name: `threadwise_desk_${what}_total`, help: HELP[what], registers }),
    ]),
  ) as Record<DeskCount, Counter>;
  const firstReply = new Histogram({
    name: 'threadwise_desk_first_human_reply_seconds',
    help: 'Time from a help-desk question to the first reply by a person other than the asker.',
    buckets: [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400],
    registers,
  });
  return {
    count: (what) => counters[what].inc(),
    firstHumanReply: (ms) => firstReply.observe(ms / 1000),
  };
}
