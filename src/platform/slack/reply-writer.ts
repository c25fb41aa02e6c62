import type { TaskUpdateChunk } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { backoffMs, sleep } from '../../lib/backoff.js';
import { withRetry } from '../../lib/retry.js';
import type { AnswerStep, ReplySink } from '../../turn/ports.js';
import type { StreamSession } from './agent-session.js';
import { type Patience, patientCall } from './patient-call.js';
import type { SlackRateGate } from './rate-gate.js';
import { ReplyPacer } from './reply-pacer.js';
import { CALL_LIMIT, ReplyText } from './reply-text.js';
import {
  type Blocks,
  PostTransport,
  type ReplyTarget,
  type ReplyTransport,
  StreamTransport,
} from './reply-transports.js';
import { classifySlackError, type SlackFailure } from './slack-errors.js';

export type { ReplyTarget } from './reply-transports.js';

/** Failed writes in a row (rate limits aside) after which the rest of an answer is given up (and logged). */
const MAX_FAILURES = 12;
/** How long finishing an answer may wait on Slack's rate limits before the rest is given up (and logged). */
const DRAIN_DEADLINE_MS = 10 * 60_000;
/** A finished answer whose next edit is held back longer than this continues in a new message (rather than leave the end unseen). */
const CONTINUE_AFTER_MS = 10_000;
/**
 * Tries of a streaming call failing with a 5xx or a network error (each already retried twice by the client)
 * before the reply falls back to post + update, as it does when Slack refuses or expires a stream: an outage of
 * the streaming methods costs about a second, not the answer.
 */
const STREAM_ATTEMPTS = 2;
/** Slack's refusals of a message's blocks (not of its text): the answer is closed again without them. */
const BLOCK_REFUSALS = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_blocks_too_long',
  'msg_blocks_too_many',
]);
const STREAM_RETRY_MS = 250;

export interface ReplyWriterOptions {
  firstFlushMs: number;
  flushIntervalMs: number;
  nativeStreaming: boolean;
  /** Blocks shown under a finished answer (feedback buttons). */
  finalBlocks?: () => Blocks;
  /** What an answer with no text at all says instead, in the reader's language (asked at the end). */
  nothingToAdd: () => string;
  /** Called once, when Slack first accepted words of this answer (they are visible from then on). */
  onFirstVisible?: () => void;
  /** Told about every message the reply opens, before any text goes into it (a retry can then take it over). */
  onMessage?: (ts: string) => Promise<void>;
  /**
   * The thread's agent session, when the turn keeps one: the stop that ends the streamed answer sets it `active`
   * (one call fewer than a separate agents.sessions.setStatus), a stop in the middle keeps it `processing`.
   */
  session?: StreamSession;
}

type Step = 'written' | 'rate_limited' | 'retry' | 'fallback' | 'gave_up';

/**
 * Writes one answer into a Slack thread. It only orchestrates: the text buffer decides what the next write
 * carries, the pacer when it goes, a transport how (native streaming first, post + update when Slack refuses,
 * rate-limits the start, expires a stream or keeps failing), and this class what a failure means.
 */
export class SlackReplyWriter implements Omit<ReplySink, 'status' | 'steps'> {
  private readonly text = new ReplyText();
  private readonly pacer: ReplyPacer;
  private readonly stream: StreamTransport;
  private readonly post: PostTransport;
  private transport: ReplyTransport;
  /** The message being written, once opened. */
  private ts: string | undefined;
  private readonly messages: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private finished = false;
  private gaveUp = false;
  /** Transient failures of posts and edits since the last accepted write, for their backoff. */
  private failuresInRow = 0;
  /** Thinking steps waiting to go out as task_update chunks, each batch with what to show if they cannot. */
  private readonly pendingSteps: Array<{ chunks: TaskUpdateChunk[]; fallback?: () => void }> = [];
  /** Slack refused chunks once (an older client, a workspace without them): steps show as the status from then on. */
  private stepsRefused = false;
  private visible = false;
  /** What the final blocks say as text, for an answer whose blocks Slack refuses. */
  private blocksText: string | undefined;

  constructor(
    client: WebClient,
    private readonly gate: SlackRateGate,
    private readonly target: ReplyTarget,
    private readonly options: ReplyWriterOptions,
    private readonly log: Logger,
  ) {
    this.pacer = new ReplyPacer({ firstFlushMs: options.firstFlushMs, intervalMs: options.flushIntervalMs });
    this.stream = new StreamTransport(client, target);
    this.post = new PostTransport(client, target);
    this.transport = options.nativeStreaming && !target.broadcast ? this.stream : this.post;
  }

  /**
   * Tool calls as steps inside the streamed answer (task_update chunks), written at once. Where that is not
   * possible (the answer is posted and edited, or Slack refused chunks) `fallback` shows them another way.
   */
  steps(steps: readonly AnswerStep[], fallback?: () => void): void {
    if (this.finished || this.stepsRefused || this.transport !== this.stream) {
      fallback?.();
      return;
    }
    this.pendingSteps.push({ chunks: steps.map(taskChunk), ...(fallback ? { fallback } : {}) });
    // Steps say the most about a slow answer: they do not wait for the text's next turn.
    if (!this.writing) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.schedule();
  }

  append(delta: string): void {
    if (this.finished || !delta) return;
    this.text.add(delta);
    this.pacer.textArrived();
    this.schedule();
  }

  /**
   * Flushes everything and closes the reply. `undelivered` counts the characters Slack never accepted, so that
   * an answer the user could not see is not recorded as answered.
   */
  async finish(end: {
    outcome: 'answered' | 'failed';
    notice?: string;
    /** Shown above the final blocks of an answer (a table of the tickets it found). */
    blocks?: Blocks;
    /** Markdown shown at the answer's end instead of `blocks` if Slack refuses them (the table as text lines). */
    blocksText?: string;
  }): Promise<{ messageTs: string[]; undelivered?: number }> {
    this.finished = true;
    this.blocksText = end.blocksText;
    const deadline = Date.now() + DRAIN_DEADLINE_MS;
    await this.quiesce();
    await this.writeSteps();
    if (end.notice) this.text.add((this.messages.length || this.text.pending ? '\n\n' : '') + end.notice);
    if (!this.messages.length && !this.text.pending) this.text.add(this.options.nothingToAdd());
    const blocks = end.outcome === 'answered' ? [...(end.blocks ?? []), ...(this.options.finalBlocks?.() ?? [])] : [];
    // The last words ride on the closing call when they fit: one call instead of a write and a close.
    const { pending } = this.text;
    const heldBack = this.transport.kind === 'post' && this.editsHeldBack();
    if (
      this.ts &&
      this.text.fits() &&
      pending.length <= CALL_LIMIT &&
      !heldBack &&
      (await this.close(blocks, pending, true))
    )
      return this.done();
    await this.drain(deadline);
    await this.close(blocks, '', true);
    return this.done();
  }

  private done(): { messageTs: string[]; undelivered?: number } {
    const undelivered = this.text.pending.length;
    if (undelivered) this.log.error({ lost_chars: undelivered }, 'could not deliver the whole answer to Slack');
    return { messageTs: [...this.messages], ...(undelivered ? { undelivered } : {}) };
  }

  /** Starts the answer over in the message(s) already shown, headed by `note`; nothing to do if none was shown. */
  async restart(note: string): Promise<void> {
    await this.quiesce();
    const live = this.transport.kind === 'stream' ? this.ts : undefined;
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
    this.text.discard();
    const [first, ...rest] = messages;
    if (!first) return;
    for (const ts of streaming) await this.stopStream(ts, '', [], false);
    for (const ts of rest) await patientCall(this.gate, 'chat.delete', () => this.post.remove(ts));
    this.transport = this.post;
    this.ts = first;
    this.messages.length = 0;
    this.messages.push(first);
    this.text.restart(note);
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
    const steps = this.pendingSteps.length > 0;
    if (this.timer || this.writing || this.finished || this.gaveUp || !(steps || this.text.next(false))) return;
    const method = this.method();
    const due = steps
      ? Date.now()
      : this.pacer.dueAt({
          readyAt: this.gate.readyAt(this.limitKey(method)),
          spacing: this.gate.spacing(method),
        });
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.writing = this.writeSteps()
          .then(() => this.writeOnce())
          .catch((err) => this.log.error({ err }, 'reply write failed'))
          .finally(() => {
            this.writing = undefined;
            this.schedule();
          });
      },
      Math.max(0, due - Date.now()),
    );
  }

  /**
   * Writes the pending steps as task_update chunks (opening the stream with them when no words are shown yet).
   * A refusal only costs the steps their place in the stream: they show as the status line, and the text goes on.
   */
  private async writeSteps(): Promise<void> {
    const batches = this.pendingSteps.splice(0);
    if (!batches.length) return;
    const fallback = () => {
      for (const b of batches) b.fallback?.();
    };
    if (this.transport !== this.stream || this.stepsRefused) return fallback();
    const ts = this.ts;
    const method = ts ? this.stream.adds : this.stream.opens;
    const chunks = batches.flatMap((b) => b.chunks);
    try {
      if (ts) await this.stream.addSteps(ts, chunks);
      else await this.opened(await this.stream.openSteps(chunks));
      this.gate.called(method, this);
    } catch (err) {
      const failure = classifySlackError(err);
      this.log.warn({ method, failure }, 'slack refused the thinking steps; showing them as the thread status');
      if (failure.kind === 'rate_limited') this.gate.limited(this.limitKey(method), failure.retryAfter);
      this.stepsRefused = true;
      fallback();
    }
  }

  /**
   * One write while the answer streams, never waiting on a rate limit (text gathers meanwhile). After a fallback
   * it writes again at once, the other way; a failing post or edit waits for the next tick.
   */
  private async writeOnce(): Promise<void> {
    for (let attempt = 0; attempt < MAX_FAILURES && this.text.next(false) && !this.gaveUp; attempt++) {
      if (this.gate.readyAt(this.limitKey(this.method())) > Date.now()) return;
      if ((await this.step()) !== 'fallback') return;
    }
  }

  /**
   * Writes everything left once the answer is complete. Rate limits are waited out (they do not count as
   * failures) up to `deadline`; an edit that Slack holds back for long continues in a new message instead.
   */
  private async drain(deadline: number): Promise<void> {
    for (let failures = 0; this.text.pending && !this.gaveUp && failures < MAX_FAILURES && Date.now() < deadline; ) {
      if (this.ts && this.transport.kind === 'post' && this.editsHeldBack()) this.detach();
      const step = await this.step();
      if (step === 'written' || step === 'rate_limited') failures = 0;
      else failures++;
    }
  }

  /** The call the next write needs. A stream that cannot start now (rate-limited) starts as a posted message. */
  private method(): string {
    if (this.transport === this.stream && !this.ts && this.gate.readyAt(this.stream.opens) > Date.now())
      this.transport = this.post;
    return this.ts ? this.transport.adds : this.transport.opens;
  }

  /** Takes the next piece of pending text (after any rate-limit wait, so waiting coalesces) and writes it. */
  private async step(): Promise<Step> {
    const method = this.method();
    await this.gate.wait(this.limitKey(method));
    const piece = this.text.next(this.finished);
    if (!piece) return 'written'; // nothing to write yet: the text is held back at the message's end
    if (!piece.text) {
      // A full message to close before the rest goes on.
      await this.close([], '');
      this.text.newMessage();
      return 'written';
    }
    const transport = this.transport;
    const ts = this.ts;
    this.pacer.writing();
    try {
      await withRetry(
        async () => {
          if (ts) await transport.add(ts, this.text.sent, piece.text);
          else await this.opened(await transport.open(piece.text, this.messages.length === 0));
        },
        {
          // A 5xx or a broken connection on a streaming call is tried once more shortly; a longer outage falls back.
          attempts: transport === this.stream ? STREAM_ATTEMPTS : 1,
          delayFor: (err) => (classifySlackError(err).kind === 'transient' ? STREAM_RETRY_MS : undefined),
        },
      );
    } catch (err) {
      return this.recover(method, classifySlackError(err));
    }
    this.text.accepted(piece);
    if (!this.visible) {
      this.visible = true;
      this.options.onFirstVisible?.();
    }
    this.gate.called(method, this);
    this.failuresInRow = 0;
    if (piece.rollover) {
      await this.close([], '');
      this.text.newMessage(piece.reopen);
    }
    return 'written';
  }

  private async opened(ts: string): Promise<void> {
    this.ts = ts;
    this.messages.push(ts);
    await this.options
      .onMessage?.(ts)
      .catch((err: Error) => this.log.warn({ err: { message: err.message } }, 'could not record the reply message'));
  }

  /** chat.postMessage is limited per channel; the other methods per workspace. */
  private limitKey(method: string): string {
    return method === 'chat.postMessage' ? `${method}:${this.target.channel}` : method;
  }

  private editsHeldBack(): boolean {
    return this.gate.readyAt('chat.update') > Date.now() + CONTINUE_AFTER_MS;
  }

  /** What a failed write means: wait, try again, continue another way, or give up. Never drops pending text. */
  private async recover(method: string, failure: SlackFailure): Promise<Step> {
    this.log.warn({ method, failure }, 'slack write refused');
    if (failure.kind === 'rate_limited') {
      this.gate.limited(this.limitKey(method), failure.retryAfter);
      this.pacer.pushedBack();
      if (method !== this.stream.opens) return 'rate_limited';
      // A stream that cannot even start right now is not worth waiting for: post + update instead.
      this.switchTo(this.post);
      return 'fallback';
    }
    if (failure.kind === 'transient' && this.transport === this.post) {
      await sleep(backoffMs(this.failuresInRow++));
      return 'retry';
    }
    if (failure.kind === 'transient')
      this.log.warn({ method, attempts: STREAM_ATTEMPTS }, 'streaming keeps failing; continuing by post and update');
    switch (method) {
      case this.stream.opens:
        this.switchTo(this.post);
        return 'fallback';
      case this.stream.adds:
        return this.leaveStream(failure);
      case this.post.adds:
        this.detach();
        return 'fallback';
      default:
        this.gaveUp = true;
        return 'gave_up';
    }
  }

  /**
   * The stream cannot take more: what Slack already shows stays, and the rest continues by post + update,
   * rewriting this message while it fits a single markdown_text, else in a new message. An expired or refused
   * stream can be edited as it is; one that failed with a 5xx may still be live, where edits are refused, so it
   * is stopped first, and when even that fails the rest goes into a new message.
   */
  private async leaveStream(failure: SlackFailure): Promise<Step> {
    const ts = this.ts!;
    this.switchTo(this.post);
    if (failure.kind === 'transient') {
      const failed = await this.stopStream(ts, '', [], false, { transientAttempts: STREAM_ATTEMPTS });
      const editable = !failed || (failed.kind === 'platform' && failed.error === 'message_not_in_streaming_state');
      if (!editable) {
        this.detach();
        return 'fallback';
      }
    }
    if (this.text.sent.length > CALL_LIMIT / 2) this.detach();
    return 'fallback';
  }

  private switchTo(transport: ReplyTransport): void {
    this.transport = transport;
    this.failuresInRow = 0;
  }

  /** The next write opens a new message. */
  private detach(): void {
    this.ts = undefined;
    this.text.newMessage();
  }

  /**
   * Ends the current message with `tail` added and `blocks` under it (`ends`: the last message of the answer);
   * false (tail not shown) when Slack refused, so the caller writes the rest another way. An expired stream that
   * cannot be stopped is rewritten by chat.update, which Slack allows after expiry, so it is not left stuck.
   */
  private async close(blocks: Blocks, tail: string, ends = false): Promise<boolean> {
    const ts = this.ts;
    if (!ts) return true;
    const t = this.transport;
    if (!t.needsClose(tail, blocks)) return this.closed(tail);
    // Buttons are worth one edit, not a long wait behind Slack's limits: the answer itself is already shown.
    if (t === this.post && !tail && this.editsHeldBack()) {
      this.log.info('final blocks left off: edits are rate-limited for a while');
      return this.closed(tail);
    }
    // A stream is stopped patiently (it cannot be edited while live); an edit held back long is better written anew.
    const failure =
      t === this.stream
        ? await this.stopStream(ts, tail, blocks, ends, { transientAttempts: STREAM_ATTEMPTS })
        : await patientCall(this.gate, t.closes, () => t.close(ts, this.text.sent, tail, blocks), {
            maxWaitMs: CONTINUE_AFTER_MS,
          });
    if (!failure) return this.closed(tail);
    this.log.warn({ method: t.closes, failure }, 'closing the reply failed');
    if (blocks.length && failure.kind === 'platform' && BLOCK_REFUSALS.has(failure.error)) {
      // Slack cannot take what goes under the answer: the answer still ends (a live stream is not left streaming),
      // with what the blocks said as text in their place.
      const instead = this.blocksText ? `${tail}\n\n${this.blocksText}` : tail;
      this.blocksText = undefined;
      return this.close([], instead, ends);
    }
    if (t === this.post) {
      this.detach();
      return false;
    }
    this.switchTo(this.post);
    if (tail) {
      if (this.text.sent.length + this.text.pending.length > CALL_LIMIT) this.detach();
      return false;
    }
    if (this.text.sent.length <= CALL_LIMIT) {
      const rewrite = await patientCall(this.gate, 'chat.update', () =>
        this.post.close(ts, this.text.sent, '', blocks),
      );
      if (rewrite) this.log.warn({ method: 'chat.update', failure: rewrite }, 'closing the reply failed');
    }
    return this.closed('');
  }

  /** Stops the stream `ts` patiently; the stop carries the session's status (`ends`: it ends the answer). */
  private async stopStream(
    ts: string,
    tail: string,
    blocks: Blocks,
    ends: boolean,
    patience?: Patience,
  ): Promise<SlackFailure | undefined> {
    const session = await this.options.session?.stopStatus(ends);
    const failure = await patientCall(
      this.gate,
      this.stream.closes,
      () => this.stream.close(ts, this.text.sent, tail, blocks, session),
      patience,
    );
    if (!failure && session) this.options.session?.stopped(session);
    return failure;
  }

  private closed(tail: string): true {
    if (tail) this.text.acceptAll();
    this.detach();
    return true;
  }
}

/** A step as Slack's task_update chunk (@slack/types TaskUpdateChunk). */
function taskChunk(step: AnswerStep): TaskUpdateChunk {
  return {
    type: 'task_update',
    id: step.id,
    title: step.title,
    status: step.status,
    ...(step.sources?.length ? { sources: step.sources.map((s) => ({ type: 'url' as const, ...s })) } : {}),
  };
}
