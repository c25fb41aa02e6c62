/** Subscribes a listener to something that changes (new log line, a fake answered a request); returns an unsubscribe. */
export type ChangeSource = (listener: () => void) => () => void;

/**
 * Default ceiling for waits on a signal. It only bounds how long a broken test takes to fail: a passing test
 * resolves as soon as its signal arrives, so a loaded machine makes it slower, never red.
 */
export const SIGNAL_TIMEOUT_MS = 45_000;

/**
 * Resolves with the first truthy value of `check()`, re-checking whenever a source reports a change: no polling,
 * no pause. Rejects after `timeoutMs`, naming `what`.
 */
export function waitFor<T>(
  check: () => T | undefined | null | false,
  sources: readonly ChangeSource[],
  what: string,
  timeoutMs = SIGNAL_TIMEOUT_MS,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const unsubscribe: Array<() => void> = [];
    const finish = () => {
      clearTimeout(timer);
      for (const u of unsubscribe) u();
    };
    const test = () => {
      let value: T | undefined | null | false;
      try {
        value = check();
      } catch (err) {
        finish();
        reject(err);
        return;
      }
      if (!value) return;
      finish();
      resolve(value);
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    for (const source of sources) unsubscribe.push(source(test));
    test();
  });
}

/**
 * For state only an outside process knows (a Redis Cluster's view of its nodes, what a sentinel calls the master):
 * asks `check` again every `intervalMs` until it gives a truthy value, and rejects after `timeoutMs`, naming `what`.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = SIGNAL_TIMEOUT_MS,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${(last as Error).message})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
