import { describe, expect, it } from 'vitest';
import { type CpuProfile, origin, selfTime } from '../../../bench/cpu-profile.js';
import { type Command, roundTrips } from '../../../bench/redis-monitor.js';
import { median, percentile } from '../../../bench/stats.js';

describe('bench percentiles', () => {
  it('reports the nearest-rank value, so p99 of 100 samples is the 99th smallest', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(median([5, 1, 3])).toBe(3);
    expect(percentile([7], 99)).toBe(7);
  });

  it('has no percentile of nothing rather than a made-up zero', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('CPU profile self time', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
      { id: 2, callFrame: { functionName: 'parse', url: 'file:///app/node_modules/zod/index.js', lineNumber: 9 } },
      { id: 3, callFrame: { functionName: 'turn', url: 'file:///app/dist/turn/run.js', lineNumber: 0 } },
    ],
    startTime: 1_000,
    endTime: 2_000,
    samples: [2, 3, 1, 2, 3],
    timeDeltas: [100, 100, 100, 100, 100],
  };

  it('adds up only the samples inside the window and leaves idle time out', () => {
    const all = selfTime(profile);
    expect(all.totalUs).toBe(400);
    expect(all.origins.get('zod')).toBe(200);
    expect(all.origins.get('dist/turn/run.js')).toBe(200);
    const late = selfTime(profile, 1_350, 2_000);
    expect(late.totalUs).toBe(200);
    expect(late.functions.get('parse (zod:10)')).toBe(100);
  });

  it('names scoped packages whole', () => {
    expect(origin('file:///x/node_modules/@slack/bolt/dist/App.js', 'f')).toBe('@slack/bolt');
    expect(origin('node:internal/streams', 'f')).toBe('node (built-in)');
    expect(origin('', '(garbage collector)')).toBe('(garbage collector)');
  });
});

describe('Redis round trips', () => {
  const cmd = (at: number): Command => ({ at, name: 'GET', key: 'k', source: '127.0.0.1:1' });

  it('counts a pipelined batch as one round trip and an awaited command as another', () => {
    expect(roundTrips([cmd(10), cmd(10.00001), cmd(10.00002), cmd(10.002)])).toBe(2);
    expect(roundTrips([])).toBe(0);
  });
});
