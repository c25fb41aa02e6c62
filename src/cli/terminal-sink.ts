import { ticketLines } from '../features/tickets/ticket-table.js';
import type { ReplySink, ShownTicket } from '../turn/ports.js';

/** Prints an answer to a terminal as it streams; the notice (if any) follows on its own line. */
export class TerminalSink implements ReplySink {
  private wrote = false;

  constructor(private readonly out: NodeJS.WritableStream) {}

  /** Progress (waiting in line, tools running) goes to stderr, so stdout holds only the conversation. */
  status(text: string): void {
    process.stderr.write(`… ${text}\n`);
  }

  /** A terminal cannot take printed text back: the restarted answer follows under the note. */
  async restart(note: string): Promise<void> {
    this.out.write(`\n\n${note}\n\n`);
  }

  append(delta: string): void {
    if (!delta) return;
    this.wrote = true;
    this.out.write(delta);
  }

  async finish(end: {
    outcome: 'answered' | 'failed';
    notice?: string;
    tickets?: ShownTicket[];
  }): Promise<{ messageTs: string[] }> {
    // A terminal has no table block: the tickets the answer found follow as lines (the model leaves them out).
    if (end.tickets && end.tickets.length > 1) {
      this.out.write(`${this.wrote ? '\n\n' : ''}${ticketLines(end.tickets)}`);
      this.wrote = true;
    }
    if (end.notice) this.out.write(`${this.wrote ? '\n\n' : ''}${end.notice}`);
    else if (!this.wrote) this.out.write('(no answer)');
    this.out.write('\n');
    // A Slack-like ts, so the stored thread looks the same as one that came from Slack.
    const now = Date.now();
    return { messageTs: [`${Math.floor(now / 1000)}.${String(now % 1000).padStart(3, '0')}000`] };
  }
}
