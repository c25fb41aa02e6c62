import { describe, expect, it } from 'vitest';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { MemoryThreadStore } from '../../../../src/platform/store/memory/memory-stores.js';
import { RedisThreadStore } from '../../../../src/platform/store/redis/redis-stores.js';
import type { Attachment, ThreadItem, ThreadStore } from '../../../../src/turn/thread.js';
import { testRedis } from '../../../support/test-redis.js';

const { redis, prefix } = testRedis();
const keys = storeKeys(prefix);

const key = { teamId: 'T1', channel: 'C1', threadTs: '1700000000.000001' };
const image = (id: string, byte: number): Attachment => ({
  kind: 'image',
  id,
  name: `${id}.png`,
  mime: 'image/png',
  width: 4,
  height: 3,
  detail: 'low',
  data: new Uint8Array([byte, 0, 255, byte]),
});
const message = (ts: string, attachments: Attachment[]): ThreadItem => ({
  type: 'user',
  ts,
  userId: 'U1',
  userName: 'Ada',
  text: `message ${ts}`,
  attachments,
});
const dataOf = (items: ThreadItem[]) =>
  items.flatMap((i) =>
    i.type === 'user'
      ? (i.attachments ?? []).map((a) => [
          a.kind === 'text' ? '' : a.id,
          a.kind !== 'text' && a.data ? [...a.data] : null,
        ])
      : [],
  );

const stores: Array<[string, () => ThreadStore]> = [
  ['memory', () => new MemoryThreadStore(keys, 3600, 2)],
  ['redis', () => new RedisThreadStore(redis, keys, 3600, 2)],
];

describe.each(stores)('%s thread store with files', (_name, make) => {
  it('gives back image bytes on later turns and forgets the oldest beyond the per-thread bound', async () => {
    const store = make();
    await store.clear(key);
    await store.append(key, [message('1.1', [image('a', 1)])]);
    await store.append(key, [message('1.2', [image('b', 2), image('c', 3)]), { type: 'assistant', text: 'seen' }]);
    const loaded = await store.load(key);
    expect(loaded.map((i) => i.type)).toEqual(['user', 'user', 'assistant']);
    expect(dataOf(loaded)).toEqual([
      ['a', null],
      ['b', [2, 0, 255, 2]],
      ['c', [3, 0, 255, 3]],
    ]);
    expect(loaded[0]).toMatchObject({ attachments: [{ kind: 'image', id: 'a', name: 'a.png', width: 4, height: 3 }] });
    await store.clear(key);
    expect(await store.load(key)).toEqual([]);
  });

  it('keeps text attachments and skip notes inline', async () => {
    const store = make();
    await store.clear(key);
    const item: ThreadItem = {
      type: 'user',
      ts: '2.1',
      userId: 'U1',
      userName: 'Ada',
      text: 'see file',
      attachments: [{ kind: 'text', name: 'a.csv', text: 'x,y\n1,2\n', totalChars: 8, truncated: false }],
      skipped: [{ name: 'b.zip', reason: "ZIP files can't be read" }],
    };
    await store.append(key, [item]);
    expect(await store.load(key)).toEqual([item]);
    await store.clear(key);
  });
});

describe('redis layout of thread files', () => {
  it('stores bytes apart from the item list, with the thread TTL', async () => {
    const store = new RedisThreadStore(redis, keys, 1234, 5);
    const k2 = { ...key, threadTs: '1700000000.000002' };
    await store.append(k2, [message('3.1', [image('z', 9)])]);
    const listed = await redis.lrange(keys.thread(k2), 0, -1);
    expect(listed[0]).not.toContain('"data"');
    expect([...(await redis.hgetBuffer(keys.threadFiles(k2), 'z'))!]).toEqual([9, 0, 255, 9]);
    for (const k of [keys.thread(k2), keys.threadFiles(k2), keys.threadFileOrder(k2)]) {
      const ttl = await redis.ttl(k);
      expect(ttl).toBeGreaterThan(1200);
      expect(ttl).toBeLessThanOrEqual(1234);
    }
    await store.clear(k2);
    expect(await redis.exists(keys.threadFiles(k2), keys.threadFileOrder(k2))).toBe(0);
  });
});
