import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { sleep } from '../../lib/backoff.js';
import type { ReplySink } from '../../turn/ports.js';
import { closingFence, safeCutPoint } from './markdown-split.js';
import { plainPreview } from './mrkdwn.js';
import { patientCall } from './patient-call.js';
import type { SlackRateGate } from './rate-gate.js';
import { classifySlackError, type SlackFailure } from './slack-errors.js';

/** Slack accepts at most 12,000 characters of markdown_text per call. */
export const CALL_LIMIT = 12_000;
/**
 * Streamed and markdown_text messages render as markdown blocks, which Slack caps at 12,000 characters in
 * total per message (below the 40,000 of plain `text`), so longer answers continue in a follow-up message.
 */
export const MESSAGE_LIMIT = 12_000;
const MAX_ATTEMPTS = 12;
/** How long a finished answer may wait on Slack's rate limits before the rest is given up (and logged). */
const DRAIN_DEADLINE_MS = 10 * 60_000;
/** A finished answer whose next edit is held back longer than this continues in a new message (rather than leave the end unseen). */
const CONTINUE_AFTER_MS = 10_000;

export interface ReplyTarget {
  teamId: string;
  channel: string;
  threadTs: string;
  recipientUserId: string;
  /**
   * Also show the answer in the channel (reply_broadcast on its first message). Slack's streaming methods cannot
   * broadcast, so such answers are posted and edited instead of streamed.
   */
  broadcast?: boolean;
}

export interface ReplyWriterOptions {
  firstFlushMs: number;
  flushIntervalMs: number;
  nativeStreaming: boolean;
  /** Blocks shown under a finished answer (feedback buttons). */
  finalBlocks?: () => unknown[];
  /** Called once, when Slack first accepted words of this answer (they are visible from then on). */
  onFirstVisible?: () => void;
  /** Told about every message the reply opens, before any text goes into it (a retry can then take it over). */
  onMessage?: (ts: string) => Promise<void>;
}

type Mode = 'stream' | 'post';
type Step = 'written' | 'rate_limited' | 'retry' | 'fallback' | 'gave_up';

/**
 * Streams one answer into a Slack thread. Native streaming first; when Slack refuses, rate-limits the start or
 * lets a stream expire, it continues with chat.postMessage + chat.update carrying the full text. Text is only
 * dropped from `pending` after Slack accepted it, so no failure path loses words.
 */
export class SlackReplyWriter implements Omit<ReplySink, 'status'> {
  private mode: Mode;
  private ts: string | undefined;
  private sent = '';
  private pending = '';
  private readonly messages: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private firstTextAt: number | undefined;
  private lastWriteAt = 0;
  private finished = false;
  private gaveUp = false;

  constructor(
    private readonly client: WebClient,
    private readonly gate: SlackRateGate,
    private readonly target: ReplyTarget,
    private readonly options: ReplyWriterOptions,
    private readonly log: Logger,
  ) {
    this.mode = options.nativeStreaming && !target.broadcast ? 'stream' : 'post';
  }

  append(delta: string): void {
    if (this.finished || !delta) return;
    this.pending += delta;
    this.firstTextAt ??= Date.now();
    this.schedule();
  }

  async finish(end: { outcome: 'answered' | 'failed'; notice?: string }): Promise<{ messageTs: string[] }> {
    this.finished = true;
    await this.quiesce();
    if (end.notice) this.pending += (this.sent || this.pending ? '\n\n' : '') + end.notice;
    if (!this.sent && !this.pending) this.pending = '_I have nothing to add here._';
    const blocks = end.outcome === 'answered' ? (this.options.finalBlocks?.() ?? []) : [];
    // The last words ride on chat.stopStream when they fit: one Tier 2 call instead of an append and a stop.
    if (
      this.mode === 'stream' &&
      this.ts &&
      this.sent.length + this.pending.length <= MESSAGE_LIMIT &&
      (await this.stopWithTail(blocks))
    ) {
      return this.done();
    }
    await this.drain();
    await this.close(blocks);
    return this.done();
  }

  private done(): { messageTs: string[] } {
    if (this.pending)
      this.log.error({ lost_chars: this.pending.length }, 'could not deliver the whole answer to Slack');
    return { messageTs: [...this.messages] };
  }

  /** Starts the answer over in the message(s) already shown, headed by `note`; nothing to do if none was shown. */
  async restart(note: string): Promise<void> {
    await this.quiesce();
    const live = this.mode === 'stream' ? this.ts : undefined;
    await this.adopt([...this.messages], note, live ? [live] : []);
  }

  /**
   * Takes over the messages an interrupted attempt of this turn left behind (its process died): live streams
   * are stopped, the first message is rewritten with this answer under `note`, the others are deleted.
   */
  async takeOver(messages: readonly string[], note: string): Promise<void> {
    await this.adopt(messages, note, messages);
  }

  private async adopt(messages: readonly string[], note: string, streaming: readonly string[]): Promise<void> {
    this.pending = '';
    const [first, ...rest] = messages;
    if (!first) return;
    const { channel } = this.target;
    for (const ts of streaming)
      await patientCall(this.gate, 'chat.stopStream', () => this.client.chat.stopStream({ channel, ts }));
    for (const ts of rest) await patientCall(this.gate, 'chat.delete', () => this.client.chat.delete({ channel, ts }));
    this.mode = 'post';
    this.ts = first;
    this.messages.length = 0;
    this.messages.push(first);
    this.sent = '';
    this.pending = `${note}\n\n`;
    this.gaveUp = false;
  }

  /** Waits until no write is in flight or scheduled. */
  private async quiesce(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.writing) {
      await this.writing;
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private schedule(): void {
    if (this.timer || this.writing || this.finished || this.gaveUp || !this.pending) return;
    const paced =
      this.ts === undefined
        ? (this.firstTextAt ?? Date.now()) + this.options.firstFlushMs
        : this.lastWriteAt + Math.max(this.options.flushIntervalMs, this.gate.spacing(this.method()));
    // While Slack holds this method back, text keeps gathering and goes out in one write when it allows.
    const due = Math.max(paced, this.gate.readyAt(this.limitKey(this.method())));
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.writing = this.writeOnce()
          .catch((err) => this.log.error({ err }, 'reply write failed'))
          .finally(() => {
            this.writing = undefined;
            this.schedule();
          });
      },
      Math.max(0, due - Date.now()),
    );
  }

  /** One Slack write while streaming: at most one call per flush interval, never waiting on a rate limit. */
  private async writeOnce(): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS && this.pending && !this.gaveUp; attempt++) {
      if (this.gate.readyAt(this.limitKey(this.method())) > Date.now()) return;
      if ((await this.step()) === 'written') return;
    }
  }

  /**
   * Writes everything left once the answer is complete. Rate limits are waited out (they do not count as
   * failures) up to a deadline; an edit that Slack holds back for long continues in a new message instead.
   */
  private async drain(): Promise<void> {
    const deadline = Date.now() + DRAIN_DEADLINE_MS;
    for (let failures = 0; this.pending && !this.gaveUp && failures < MAX_ATTEMPTS && Date.now() < deadline; ) {
      if (this.method() === 'chat.update' && this.gate.readyAt('chat.update') > Date.now() + CONTINUE_AFTER_MS)
        this.detach();
      const step = await this.step();
      if (step === 'written' || step === 'rate_limited') failures = 0;
      else failures++;
    }
  }

  /** The call the next write needs. A stream that cannot start now (rate-limited) starts as a posted message. */
  private method(): string {
    if (this.mode === 'stream' && !this.ts && this.gate.readyAt('chat.startStream') > Date.now()) this.mode = 'post';
    if (this.mode === 'stream') return this.ts ? 'chat.appendStream' : 'chat.startStream';
    return this.ts ? 'chat.update' : 'chat.postMessage';
  }

  /** Takes the next piece of pending text (after any rate-limit wait, so waiting coalesces) and writes it. */
  private async step(): Promise<Step> {
    const method = this.method();
    await this.gate.wait(this.limitKey(method));
    const next = this.nextPiece();
    const step = await this.write(method, next.piece);
    if (step !== 'written') return step;
    this.pending = this.pending.slice(next.consumed);
    this.lastWriteAt = Date.now();
    if (next.rollover) {
      await this.close([]);
      if (next.reopen) this.pending = `${next.reopen}\n${this.pending}`;
    }
    return 'written';
  }

  /** The next write: all pending text if it fits this message, else up to the best boundary, closing any open code fence. */
  private nextPiece(): { piece: string; consumed: number; rollover: boolean; reopen: string | null } {
    if (this.sent.length + this.pending.length <= MESSAGE_LIMIT) {
      const piece = this.pending.slice(0, CALL_LIMIT);
      return { piece, consumed: piece.length, rollover: false, reopen: null };
    }
    const whole = this.sent + this.pending;
    const cut = safeCutPoint(whole, MESSAGE_LIMIT);
    if (cut.index <= this.sent.length) {
      const piece = this.pending.slice(0, Math.max(1, MESSAGE_LIMIT - this.sent.length));
      return { piece, consumed: piece.length, rollover: true, reopen: null };
    }
    const close = cut.openFence ? `\n${closingFence(cut.openFence)}` : '';
    return {
      piece: whole.slice(this.sent.length, cut.index) + close,
      consumed: cut.resume - this.sent.length,
      rollover: true,
      reopen: cut.openFence,
    };
  }

  private async write(method: string, text: string): Promise<Step> {
    const { channel, threadTs, recipientUserId, teamId } = this.target;
    try {
      if (method === 'chat.startStream') {
        const res = await this.client.chat.startStream({
          channel,
          thread_ts: threadTs,
          markdown_text: text,
          recipient_user_id: recipientUserId,
          recipient_team_id: teamId,
        });
        await this.opened(String(res.ts));
      } else if (method === 'chat.appendStream') {
        await this.client.chat.appendStream({ channel, ts: this.ts!, markdown_text: text });
      } else if (method === 'chat.postMessage') {
        const broadcast = this.target.broadcast && this.messages.length === 0 ? { reply_broadcast: true } : {};
        const res = await this.client.chat.postMessage({
          channel,
          thread_ts: threadTs,
          markdown_text: text,
          ...broadcast,
        });
        await this.opened(String(res.ts));
      } else {
        await this.client.chat.update({ channel, ts: this.ts!, markdown_text: this.sent + text });
      }
      this.sent += text;
      this.gate.called(method, this);
      return 'written';
    } catch (err) {
      return this.recover(method, classifySlackError(err));
    }
  }

  private async opened(ts: string): Promise<void> {
    this.ts = ts;
    this.messages.push(ts);
    if (this.messages.length === 1) this.options.onFirstVisible?.();
    await this.options
      .onMessage?.(ts)
      .catch((err: Error) => this.log.warn({ err: { message: err.message } }, 'could not record the reply message'));
  }

  /** chat.postMessage is limited per channel; the other methods per workspace. */
  private limitKey(method: string): string {
    return method === 'chat.postMessage' ? `${method}:${this.target.channel}` : method;
  }

  private async recover(method: string, failure: SlackFailure): Promise<Step> {
    this.log.warn({ method, failure }, 'slack write refused');
    if (failure.kind === 'rate_limited') {
      this.gate.limited(this.limitKey(method), failure.retryAfter);
      // A stream that cannot even start right now is not worth waiting for: post + update instead.
      if (method === 'chat.startStream') this.mode = 'post';
      return method === 'chat.startStream' ? 'fallback' : 'rate_limited';
    }
    if (failure.kind === 'transient') {
      await sleep(500);
      return 'retry';
    }
    switch (method) {
      case 'chat.startStream':
        this.mode = 'post';
        return 'fallback';
      case 'chat.appendStream':
        // Expired or refused stream: what Slack already shows stays; the rest continues by post + update,
        // rewriting this message while it fits a single markdown_text, else in a new message.
        this.mode = 'post';
        if (this.sent.length > CALL_LIMIT / 2) this.detach();
        return 'fallback';
      case 'chat.update':
        this.detach();
        return 'fallback';
      default:
        this.gaveUp = true;
        return 'gave_up';
    }
  }

  private detach(): void {
    this.ts = undefined;
    this.sent = '';
  }

  /** Stops the stream carrying the remaining text; false (and post mode) when Slack refuses, so nothing is lost. */
  private async stopWithTail(blocks: unknown[]): Promise<boolean> {
    const { channel } = this.target;
    const ts = this.ts!;
    const tail = this.pending;
    const failure = await patientCall(this.gate, 'chat.stopStream', () =>
      this.client.chat.stopStream({
        channel,
        ts,
        ...(tail ? { markdown_text: tail } : {}),
        ...(blocks.length ? { blocks: blocks as never } : {}),
      }),
    );
    if (!failure) {
      this.sent += tail;
      this.pending = '';
      this.detach();
      return true;
    }
    this.log.warn({ method: 'chat.stopStream', failure }, 'closing the reply failed');
    // Expired or refused: continue by chat.update on the same message, which Slack allows after expiry.
    this.mode = 'post';
    if (this.sent.length + this.pending.length > CALL_LIMIT) this.detach();
    return false;
  }

  /** Ends the current message: stops a stream, or rewrites a posted message with the final blocks. */
  private async close(blocks: unknown[]): Promise<void> {
    if (!this.ts) return;
    const { channel } = this.target;
    const ts = this.ts;
    let rewrite = blocks.length > 0;
    if (this.mode === 'stream') {
      const failure = await patientCall(this.gate, 'chat.stopStream', () =>
        this.client.chat.stopStream({ channel, ts, ...(blocks.length ? { blocks: blocks as never } : {}) }),
      );
      if (!failure) return this.detach();
      this.log.warn({ method: 'chat.stopStream', failure }, 'closing the reply failed');
      // An expired stream can still be edited: rewrite it with the full text so it is not left stuck.
      this.mode = 'post';
      rewrite = true;
    }
    // Buttons are worth one edit, not a long wait behind Slack's limits: the answer itself is already shown.
    if (
      rewrite &&
      this.mode === 'post' &&
      blocks.length &&
      this.gate.readyAt('chat.update') > Date.now() + CONTINUE_AFTER_MS
    ) {
      this.log.info('final blocks left off: edits are rate-limited for a while');
      rewrite = false;
    }
    if (rewrite && this.sent.length <= CALL_LIMIT) {
      const failure = await patientCall(this.gate, 'chat.update', () =>
        blocks.length
          ? this.client.chat.update({
              channel,
              ts,
              text: plainPreview(this.sent, 300),
              blocks: [{ type: 'markdown', text: this.sent }, ...blocks] as never,
            })
          : this.client.chat.update({ channel, ts, markdown_text: this.sent }),
      );
      if (failure) this.log.warn({ method: 'chat.update', failure }, 'closing the reply failed');
    }
    this.detach();
  }
}
