/** Aborts after `ms`, or earlier when `signal` (the caller's: a Stop, a shutdown) aborts. */
export const deadline = (ms: number, signal?: AbortSignal): AbortSignal =>
  signal ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms);

/**
 * Whether `work` settles within `ms` (it keeps running either way; a late rejection is swallowed). For shutdown
 * steps that must not hold a stopping process forever, such as a library close stuck on a dead connection.
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
