import type { ReplySink } from '../../src/turn/ports.js';

export type SinkEvent =
  | { type: 'append'; delta: string }
  | { type: 'status'; text: string; kind?: 'queue' | 'tools' }
  | { type: 'restart'; note: string }
  | { type: 'finish'; outcome: 'answered' | 'failed'; notice?: string };

/**
 * A ReplySink that records what the turn did with its reply. Like the Slack writer, it ignores text appended
 * after the reply finished (`late` counts it, so a test can insist there is none) and it finishes only once.
 */
export class RecordingReplySink implements ReplySink {
  readonly events: SinkEvent[] = [];
  late = 0;
  private finished = false;

  constructor(private readonly messageTs: string[] = ['1700000000.000900']) {}

  append(delta: string): void {
    if (this.finished) {
      this.late++;
      return;
    }
    this.events.push({ type: 'append', delta });
  }

  status(text: string, kind?: 'queue' | 'tools'): void {
    this.events.push({ type: 'status', text, ...(kind ? { kind } : {}) });
  }

  async restart(note: string): Promise<void> {
    this.events.push({ type: 'restart', note });
  }

  async finish(end: { outcome: 'answered' | 'failed'; notice?: string }): Promise<{ messageTs: string[] }> {
    if (this.finished) throw new Error('the reply was finished twice');
    this.finished = true;
    this.events.push({ type: 'finish', ...end });
    return { messageTs: [...this.messageTs] };
  }

  /** The answer as the user reads it: the text since the last restart, then the end notice. */
  get shown(): string {
    const from = this.events.findLastIndex((e) => e.type === 'restart') + 1;
    const text = this.events
      .slice(from)
      .map((e) => (e.type === 'append' ? e.delta : ''))
      .join('');
    const notice = this.end?.notice;
    return notice ? `${text}${text ? '\n\n' : ''}${notice}` : text;
  }

  get end(): Extract<SinkEvent, { type: 'finish' }> | undefined {
    return this.events.find((e): e is Extract<SinkEvent, { type: 'finish' }> => e.type === 'finish');
  }

  get statuses(): Array<Extract<SinkEvent, { type: 'status' }>> {
    return this.events.filter((e): e is Extract<SinkEvent, { type: 'status' }> => e.type === 'status');
  }
}
