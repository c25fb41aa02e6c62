/** Aborts after `ms`, or earlier when `signal` (the caller's: a Stop, a shutdown) aborts. */
export const deadline = (ms: number, signal?: AbortSignal): AbortSignal =>
  signal ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms);
