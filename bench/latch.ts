/** Keys that become done once, and promises that wait for them (seen before or after the wait starts). */
export class Latch {
  private readonly done = new Map<string, number>();
  private readonly waiting = new Map<string, Array<(at: number) => void>>();

  mark(key: string, at = Date.now()): void {
    if (this.done.has(key)) return;
    this.done.set(key, at);
    for (const resolve of this.waiting.get(key) ?? []) resolve(at);
    this.waiting.delete(key);
  }

  /** Resolves with the time the key was marked; rejects after timeoutMs. */
  wait(key: string, timeoutMs: number): Promise<number> {
    const at = this.done.get(key);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${key} not done after ${timeoutMs} ms`)), timeoutMs);
      const list = this.waiting.get(key) ?? [];
      list.push((t) => {
        clearTimeout(timer);
        resolve(t);
      });
      this.waiting.set(key, list);
    });
  }
}
