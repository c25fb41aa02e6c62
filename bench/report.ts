import { BOT_LABEL, type BotKind } from './bots.js';
import type { Row } from './scenarios.js';
import { fmt, median } from './stats.js';

export interface Memory {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
}

/** Every repetition's numbers for one bot. */
export interface Runs {
  startupMs: number[];
  idle: Memory[];
  after1000: Memory[];
  /** Scenario name → one row per repetition. */
  scenarios: Map<string, Row[]>;
}

export const emptyRuns = (): Runs => ({ startupMs: [], idle: [], after1000: [], scenarios: new Map() });

const med = (xs: number[]) => median(xs.filter(Number.isFinite));
const rowMedian = (rows: Row[] | undefined, k: keyof Row) => (rows?.length ? med(rows.map((r) => r[k])) : Number.NaN);
const memMedian = (ms: Memory[], k: keyof Memory) => med(ms.map((m) => m[k]));

interface Measure {
  name: string;
  value: (r: Runs) => number;
  digits?: number;
}

function ratio(tw: number, peer: number): string {
  return Number.isFinite(tw) && Number.isFinite(peer) && peer !== 0 ? `${fmt(tw / peer, 2)}×` : 'n/a';
}

/** The side-by-side table: each measure's median over the repetitions, with Threadwise ÷ template. */
export function headline(runs: Map<BotKind, Runs>, burst: string): string {
  const s = (name: string, k: keyof Row) => (r: Runs) => rowMedian(r.scenarios.get(name), k);
  const measures: Measure[] = [
    { name: `ack p50 (ms, ${burst})`, value: s(burst, 'ackP50') },
    { name: `ack p99 (ms, ${burst})`, value: s(burst, 'ackP99') },
    { name: `event → model request p50 (ms, ${burst})`, value: s(burst, 'modelP50') },
    { name: `event → model request p99 (ms, ${burst})`, value: s(burst, 'modelP99') },
    { name: `first token → first visible words p50 (ms, ${burst})`, value: s(burst, 'visibleP50') },
    { name: `Slack writes per streamed second (${burst})`, value: s(burst, 'writesPerStreamedS'), digits: 2 },
    { name: `CPU per turn (ms, ${burst})`, value: s(burst, 'cpuMsPerTurn') },
    { name: '300 short turns at once (turns/s)', value: s('300 short at once', 'turnsPerS') },
    { name: 'closed loop, 1,000 turns at 64 in flight (turns/s)', value: s('closed loop 1,000 @ 64', 'turnsPerS') },
    { name: 'RSS idle (MB)', value: (r) => memMedian(r.idle, 'rssMb'), digits: 0 },
    { name: 'RSS after 1,000 threads (MB)', value: (r) => memMedian(r.after1000, 'rssMb'), digits: 0 },
    { name: 'heapUsed idle (MB)', value: (r) => memMedian(r.idle, 'heapUsedMb'), digits: 0 },
    { name: 'heapTotal idle (MB)', value: (r) => memMedian(r.idle, 'heapTotalMb'), digits: 0 },
    { name: 'heapUsed after 1,000 threads (MB)', value: (r) => memMedian(r.after1000, 'heapUsedMb'), digits: 0 },
    { name: 'heapTotal after 1,000 threads (MB)', value: (r) => memMedian(r.after1000, 'heapTotalMb'), digits: 0 },
    { name: 'start-up to healthy (s)', value: (r) => med(r.startupMs) / 1000, digits: 2 },
  ];
  const peer = runs.get('template');
  const bots = (['template', 'threadwise-socket', 'threadwise-http'] as const).filter((b) => runs.has(b));
  const tw = bots.filter((b) => b !== 'template');
  const header = [
    '| measure |',
    ...bots.map((b) => ` ${BOT_LABEL[b]} |`),
    ...(peer ? tw.map((b) => ` ${BOT_LABEL[b]} ÷ template |`) : []),
  ].join('');
  const lines = [header, `|---|${bots.map(() => '---|').join('')}${peer ? tw.map(() => '---|').join('') : ''}`];
  for (const m of measures) {
    const cells = bots.map((b) => fmt(m.value(runs.get(b)!), m.digits ?? 0));
    const ratios = peer ? tw.map((b) => ratio(m.value(runs.get(b)!), m.value(peer))) : [];
    lines.push(`| ${m.name} | ${[...cells, ...ratios].join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Every scenario, one line per bot (medians over the repetitions). */
export function detail(runs: Map<BotKind, Runs>, scenarios: string[]): string {
  const lines = [
    '| scenario | app | ack p50 / p99 (ms) | event → model p50 / p99 (ms) | first token → words p50 (ms) | writes per streamed s | Slack calls per turn | turns/s | CPU ms per turn | loop delay p99 (ms) | answers incomplete |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const name of scenarios)
    for (const [bot, r] of runs) {
      const rows = r.scenarios.get(name);
      if (!rows?.length) continue;
      const v = (k: keyof Row, d = 0) => fmt(rowMedian(rows, k), d);
      lines.push(
        `| ${name} | ${BOT_LABEL[bot]} | ${v('ackP50')} / ${v('ackP99')} | ${v('modelP50')} / ${v('modelP99')} | ${v('visibleP50')} | ${v('writesPerStreamedS', 2)} | ${v('slackCallsPerTurn', 1)} | ${v('turnsPerS', 1)} | ${v('cpuMsPerTurn', 1)} | ${v('loopDelayP99')} | ${Math.max(...rows.map((x) => x.incomplete))} |`,
      );
    }
  return lines.join('\n');
}
