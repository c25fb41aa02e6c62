import { storeKeys } from '../../src/platform/store/keys.js';
import { MemoryThreadStore } from '../../src/platform/store/memory/memory-stores.js';
import type { ThreadItem, ThreadKey, ThreadStore } from '../../src/turn/thread.js';

/**
 * The in-memory thread store the app itself runs with (items encoded and decoded as Redis would hold them, file
 * bytes bounded per thread), recording every append so a test can see what a turn stored and when.
 */
export class RecordingThreadStore implements ThreadStore {
  readonly appends: Array<{ key: ThreadKey; items: ThreadItem[] }> = [];
  private readonly inner = new MemoryThreadStore(storeKeys('fake:'), 86_400, 20);

  /** History as an earlier turn would have left it. */
  async seed(key: ThreadKey, items: readonly ThreadItem[]): Promise<void> {
    await this.inner.append(key, items);
  }

  load(key: ThreadKey): Promise<ThreadItem[]> {
    return this.inner.load(key);
  }

  async append(key: ThreadKey, items: readonly ThreadItem[]): Promise<void> {
    this.appends.push({ key, items: structuredClone([...items]) });
    await this.inner.append(key, items);
  }

  has(key: ThreadKey): Promise<boolean> {
    return this.inner.has(key);
  }

  clear(key: ThreadKey): Promise<void> {
    return this.inner.clear(key);
  }

  redactPerson(key: ThreadKey, userId: string): Promise<number> {
    return this.inner.redactPerson(key, userId);
  }
}
