/** Slack methods whose calls wait, as they do when Slack is slow to answer, until the test releases them. */
export class CallHolds {
  private readonly holds = new Map<string, Promise<void>>();

  /** Calls of `method` wait from now until the returned function is called. */
  hold(method: string): () => void {
    let release!: () => void;
    this.holds.set(
      method,
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    return () => {
      this.holds.delete(method);
      release();
    };
  }

  /** What a call of `method` awaits before going on: nothing when no hold is set (no extra turn of the event loop). */
  pass(method: string): Promise<void> | undefined {
    return this.holds.get(method);
  }
}
