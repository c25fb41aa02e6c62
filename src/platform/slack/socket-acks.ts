import type { App, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from 'pino';

interface SlackEventArgs {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  type: string;
  body: Record<string, unknown>;
  retry_num?: number;
  retry_reason?: string;
}

/**
 * Bolt's Socket Mode receiver acknowledges an Events API envelope before any listener runs, so an event that
 * could not be queued (Redis away, shutting down) would be lost. This replaces its dispatch so that events are
 * acknowledged only after the listeners finished without error; an unacknowledged envelope is delivered again
 * by Slack. Interactive payloads keep Bolt's behaviour (their listeners call ack() themselves).
 */
export function ackEventsAfterQueueing(receiver: SocketModeReceiver, app: App, log: Logger): void {
  receiver.client.removeAllListeners('slack_event');
  receiver.client.on('slack_event', async (args: SlackEventArgs) => {
    const deferred = args.type === 'events_api';
    let response: Record<string, unknown> | undefined;
    let acked = false;
    const ack = async (r?: Record<string, unknown>) => {
      if (acked) return;
      acked = true;
      if (deferred) response = r;
      else await args.ack(r);
    };
    try {
      await app.processEvent({ body: args.body, ack, retryNum: args.retry_num, retryReason: args.retry_reason });
      if (deferred) await args.ack(response);
    } catch (err) {
      log.warn(
        { err, type: args.type, retry_num: args.retry_num },
        'event not acknowledged: Slack will deliver it again',
      );
    }
  });
}
