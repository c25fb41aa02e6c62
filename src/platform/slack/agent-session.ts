import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';

export type SessionStatus = 'active' | 'processing' | 'suspended' | 'closed';

/**
 * The thread as Slack's agent session (agents.sessions.*): its status says whether a turn runs (Slack shows Stop
 * while it is `processing`) and its title names the conversation. Best effort and in order: a workspace that
 * refuses the methods still gets its answer, and a late `processing` never lands after the `active` that ends it.
 */
export class AgentSession {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: WebClient,
    private readonly target: { channel: string; threadTs: string; initiatorUserId: string },
    private readonly log: Logger,
  ) {}

  /** Queues the status change; the promise settles once Slack has it (or refused it). */
  status(status: SessionStatus): Promise<void> {
    const { channel, threadTs, initiatorUserId } = this.target;
    return this.inOrder('agents.sessions.setStatus', () =>
      this.client.agents.sessions.setStatus({
        channel_id: channel,
        thread_ts: threadTs,
        status,
        initiator_user_id: initiatorUserId,
      }),
    );
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
