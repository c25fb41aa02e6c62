import { ModelError, type ModelEvent, type ModelPort, type ModelRequest } from '../turn/ports.js';

const stoppedError = () => new ModelError('aborted', 'stopped with Ctrl-C');

/**
 * Ctrl-C in `threadwise chat`: while a turn runs it stops that turn's answer (its model calls are aborted and it
 * ends with the "interrupted" notice) and the chat goes on; with no turn running the chat ends.
 */
export class ChatInterrupts {
  private current: AbortController | undefined;

  /** The model port whose streams also end when the running turn is interrupted. */
  wrap(model: ModelPort): ModelPort {
    const turnSignal = () => this.current?.signal;
    return {
      async *stream(request: ModelRequest, signal?: AbortSignal): AsyncIterable<ModelEvent> {
        const turn = turnSignal();
        if (turn?.aborted) throw stoppedError();
        const both = turn && signal ? AbortSignal.any([turn, signal]) : (turn ?? signal);
        try {
          yield* model.stream(request, both);
        } catch (err) {
          // However the adapter reports an aborted request (a broken stream, say), it is the user's stop.
          throw turn?.aborted ? stoppedError() : err;
        }
        if (turn?.aborted) throw stoppedError();
      },
    };
  }

  /** Runs one turn that Ctrl-C may stop; says whether it did. */
  async during<T>(turn: () => Promise<T>): Promise<{ value: T; stopped: boolean }> {
    const controller = new AbortController();
    this.current = controller;
    try {
      const value = await turn();
      return { value, stopped: controller.signal.aborted };
    } finally {
      this.current = undefined;
    }
  }

  /** One Ctrl-C: true when it stopped a running turn, false when none was running (then the chat ends). */
  interrupt(): boolean {
    if (!this.current || this.current.signal.aborted) return false;
    this.current.abort(stoppedError());
    return true;
  }
}
