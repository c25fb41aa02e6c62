/** Aborts after `ms`, or earlier when `signal` (the caller's: a Stop, a shutdown) aborts. */
export const deadline = (ms: number, signal?: AbortSignal): AbortSignal =>
  signal ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms);

/**
 * What `work` resolves to if it does so within `ms`, else undefined; it keeps running either way. For replies that
 * must leave in time (a slash command's acknowledgement) while the work behind them finishes later.
 */
export async function settledWithin<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms), undefined);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether `work` settles within `ms` (it keeps running either way; a late rejection is swallowed). For shutdown
 * steps that must not hold a stopping process forever, such as a library close stuck on a dead connection.
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  const settled = work.then(
    () => true,
    () => true,
  );
  return (await settledWithin(settled, ms)) ?? false;
}
