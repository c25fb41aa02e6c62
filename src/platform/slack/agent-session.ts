import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';

export type SessionStatus = 'active' | 'processing' | 'suspended' | 'closed';

/**
 * What a reply needs of the thread's session: chat.stopStream sets the session's status too (its `session_status`,
 * `active` when left out: https://docs.slack.dev/reference/methods/chat.stopStream), so every stop says which.
 */
export interface StreamSession {
  /**
   * The `session_status` for a stop (`ends`: the stop that ends the answer), once the session's earlier calls have
   * settled, so the stop never lands before the `processing` that began the turn. Undefined when Slack never
   * accepted a status for this session (a workspace that refuses agents.sessions.*): the stop then carries none.
   */
  stopStatus(ends: boolean): Promise<SessionStatus | undefined>;
  /** Slack accepted a stop that carried `status`. */
  stopped(status: SessionStatus): void;
}

/**
 * The thread as Slack's agent session (agents.sessions.*): its status says whether a turn runs (Slack shows Stop
 * while it is `processing`) and its title names the conversation. Best effort and in order: a workspace that
 * refuses the methods still gets its answer, and a late `processing` never lands after the `active` that ends it.
 * The `active` that ends a streamed answer rides on the stream's stop; `end` sets it only where no stop did.
 */
export class AgentSession implements StreamSession {
  private chain: Promise<void> = Promise.resolve();
  /** The status Slack last accepted for this session, by either method; undefined until it accepted one. */
  private accepted: SessionStatus | undefined;

  constructor(
    private readonly client: WebClient,
    private readonly target: { channel: string; threadTs: string; initiatorUserId: string },
    private readonly log: Logger,
  ) {}

  /** Queues the status change; the promise settles once Slack has it (or refused it). */
  status(status: SessionStatus): Promise<void> {
    const { channel, threadTs, initiatorUserId } = this.target;
    return this.inOrder('agents.sessions.setStatus', async () => {
      await this.client.agents.sessions.setStatus({
        channel_id: channel,
        thread_ts: threadTs,
        status,
        initiator_user_id: initiatorUserId,
      });
      this.accepted = status;
    });
  }

  /**
   * The turn is over: the session goes `active` (Stop disappears), unless the stop of the answer's stream already
   * set it — the answer was posted instead, failed, was stopped (Slack had already stopped the stream) or handed on.
   */
  async end(): Promise<void> {
    await this.chain;
    if (this.accepted !== 'active') await this.status('active');
  }

  async stopStatus(ends: boolean): Promise<SessionStatus | undefined> {
    await this.chain;
    if (!this.accepted) return undefined;
    // A stop in the middle of the answer (a full message continues in the next) keeps the Stop button.
    return ends ? 'active' : 'processing';
  }

  stopped(status: SessionStatus): void {
    this.accepted = status;
  }

  rename(title: string): Promise<void> {
    const { channel, threadTs } = this.target;
    return this.inOrder('agents.sessions.rename', () =>
      this.client.agents.sessions.rename({ channel_id: channel, thread_ts: threadTs, title }),
    );
  }

  private inOrder(method: string, call: () => Promise<unknown>): Promise<void> {
    this.chain = this.chain.then(call).then(
      () => undefined,
      (err: Error) => this.log.debug({ method, err: { message: err.message } }, 'agent session not updated'),
    );
    return this.chain;
  }
}
