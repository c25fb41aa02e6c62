import { storeKeys } from '../../src/platform/store/keys.js';
import { MemoryThreadStore } from '../../src/platform/store/memory/memory-stores.js';

/**
 * The in-memory thread store the app itself runs without Redis: items encoded and decoded as Redis would hold them
 * and file bytes bounded per thread, so a unit test sees what the next turn would load, never something kinder.
 */
export const fakeThreadStore = (): MemoryThreadStore => new MemoryThreadStore(storeKeys('fake:'), 86_400, 20);
