import { describe, expect, it } from 'vitest';
import { ExpiringMap } from '../../../src/lib/expiring-cache.js';

describe('the in-process caches', () => {
  it('forget an entry once its time to live has passed', () => {
    let now = 1_000_000;
    const map = new ExpiringMap<string>(() => now);
    map.set('a', 'x', 60);
    now += 59_000;
    expect(map.get('a')).toBe('x');
    now += 2_000;
    expect(map.get('a')).toBeUndefined();
  });

  it('stay bounded in a long-running process: the least recently used entry goes first', () => {
    const map = new ExpiringMap<number>(Date.now, 3);
    for (const [k, v] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      map.set(k, v, 3600);
    map.get('a');
    map.set('d', 4, 3600);
    expect([map.get('a'), map.get('b'), map.get('c'), map.get('d')]).toEqual([1, undefined, 3, 4]);
  });

  it('delete only the live entries that match', () => {
    let now = 1_000_000;
    const map = new ExpiringMap<string>(() => now);
    map.set('old', 'mine', 1);
    map.set('new', 'mine', 100);
    map.set('other', 'theirs', 100);
    now += 5_000;
    expect(map.deleteWhere((v) => v === 'mine')).toBe(1);
    expect(map.get('other')).toBe('theirs');
  });
});
