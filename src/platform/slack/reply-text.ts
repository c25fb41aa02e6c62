import { closingFence, safeCutPoint } from './markdown-split.js';

/** Slack accepts at most 12,000 characters of markdown_text per call. */
export const CALL_LIMIT = 12_000;
/**
 * Streamed and markdown_text messages render as markdown blocks, which Slack caps at 12,000 characters in
 * total per message (below the 40,000 of plain `text`), so longer answers continue in a follow-up message.
 */
export const MESSAGE_LIMIT = 12_000;
/**
 * While the answer still grows, a message is filled only this far: the rest of it is kept for the line that closes
 * a code block when the answer has to continue in another message (or for the closing write, which may fill it).
 */
const FENCE_ROOM = 32;

/** One write: `text` goes to Slack; once accepted, `consumed` characters of pending text are done. */
export interface Piece {
  text: string;
  consumed: number;
  /** The message is full after this piece: it is closed and the rest continues in a new one. */
  rollover: boolean;
  /** The code fence the piece had to close, reopened at the start of the next message. */
  reopen: string | null;
}

/**
 * The answer's text as Slack has it, without any I/O: `sent` is what the current message shows, `pending` what
 * has not been accepted yet. Text leaves `pending` only once Slack accepted it, so no failure can lose words.
 */
export class ReplyText {
  sent = '';
  pending = '';

  add(delta: string): void {
    this.pending += delta;
  }

  /** Whether the current message can take everything still pending. */
  fits(): boolean {
    return this.sent.length + this.pending.length <= MESSAGE_LIMIT;
  }

  /**
   * The next write: all pending text if it fits this message, else up to the best boundary, closing an open code
   * fence; null while all that is pending is held back for the reserve. `complete`: no more text will come, so
   * the message may be filled to the limit.
   */
  next(complete: boolean): Piece | null {
    if (!this.pending) return null;
    const room = complete ? MESSAGE_LIMIT : MESSAGE_LIMIT - FENCE_ROOM;
    if (this.sent.length + this.pending.length <= room) {
      const text = this.pending.slice(0, CALL_LIMIT);
      return { text, consumed: text.length, rollover: false, reopen: null };
    }
    const whole = this.sent + this.pending;
    const cut = safeCutPoint(whole, MESSAGE_LIMIT, this.sent.length);
    if (cut.index === whole.length) {
      // Everything fits but more may follow: fill up to the reserve and keep the rest for the next write.
      let text = this.pending.slice(0, Math.max(0, room - this.sent.length));
      if (/[\uD800-\uDBFF]$/.test(text)) text = text.slice(0, -1);
      return text ? { text, consumed: text.length, rollover: false, reopen: null } : null;
    }
    // No room is left after what is shown (it was filled to the limit): close it as it stands, the rest goes on.
    if (cut.index <= this.sent.length) return { text: '', consumed: 0, rollover: true, reopen: null };
    const close = cut.openFence ? `\n${closingFence(cut.openFence)}` : '';
    return {
      text: whole.slice(this.sent.length, cut.index) + close,
      consumed: cut.resume - this.sent.length,
      rollover: true,
      reopen: cut.openFence,
    };
  }

  /** Slack accepted `piece` into the current message. */
  accepted(piece: Piece): void {
    this.sent += piece.text;
    this.pending = this.pending.slice(piece.consumed);
  }

  /** Everything pending, taken as accepted (it rode on the call that closed the message). */
  acceptAll(): void {
    this.sent += this.pending;
    this.pending = '';
  }

  /** The rest continues in a new message, reopening the code block the last one had to close. */
  newMessage(reopen: string | null = null): void {
    this.sent = '';
    if (reopen) this.pending = `${reopen}\n${this.pending}`;
  }

  /** Drops what was not shown yet (the answer is being started over). */
  discard(): void {
    this.pending = '';
  }

  /** The answer starts over under `note`, rewriting the message from its start. */
  restart(note: string): void {
    this.sent = '';
    this.pending = `${note}\n\n`;
  }
}
