import { readFileSync } from 'node:fs';
import type { Feedback, FeedbackStore } from '../../../../src/platform/store/feedback.js';
import type { ThreadItem, ThreadKey, ThreadStore } from '../../../../src/turn/thread.js';

interface FixtureThread {
  key: ThreadKey;
  items: ThreadItem[];
  feedback: Array<Pick<Feedback, 'messageTs' | 'userId' | 'value'>>;
}

export const FIXTURE: { threads: FixtureThread[] } = JSON.parse(
  readFileSync(new URL('../../../fixtures/offline/rated-threads.json', import.meta.url), 'utf8'),
);

/** Stores the fixture threads and their votes (in file order, one second apart, starting at `start`). */
export async function seedFixture(threads: ThreadStore, feedback: FeedbackStore, start: number): Promise<void> {
  let at = start;
  for (const t of FIXTURE.threads) {
    await threads.append(t.key, t.items);
    for (const f of t.feedback) await feedback.record({ ...t.key, ...f, at: (at += 1000) });
  }
}
