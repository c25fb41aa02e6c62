import { type App, AuthorizationError } from '@slack/bolt';
import type { Logger } from 'pino';
import { UNUSABLE_NOTE } from '../payloads.js';
import { isRecord, kindOf, routingProblem, shapeOf } from './envelope.js';
import type { InstallationGate } from './installation-gate.js';

/** How a transport answers Slack for one request. */
export interface Reply {
  /** Taken (or deliberately ignored): Slack stops delivering it. `response` is the ack's payload. */
  ack(response?: unknown): Promise<void>;
  /** Not taken on: Slack should deliver it again later (HTTP 503; an unacknowledged socket envelope). */
  retry(): Promise<void>;
  /** Not a Slack request body at all (HTTP 400; acknowledged over a socket, where only Slack can send). */
  reject(): Promise<void>;
  /** No installation authorizes it (HTTP 401). */
  unauthorized(): Promise<void>;
  /**
   * Whether an interactive ack waits for its listener to finish (HTTP: the answer then means the work is done, and
   * a view's ack payload is final) or goes out the moment ack() is called (Socket Mode).
   */
  holdAcks: boolean;
}

export interface Delivery {
  body: unknown;
  retryNum?: number;
  retryReason?: string;
}

export interface DeliveryOptions {
  app: () => App | undefined;
  gate: InstallationGate;
  log: Logger;
  /**
   * Slack redelivers an event it has no answer for after 3 s. Work before the ack (filter, dedupe, enqueue) that
   * takes longer than this (Redis stalled) is answered "retry later" instead, so the answer is never late.
   */
  ackDeadlineMs: number;
  /** Sends a short ephemeral note to a payload's response_url (the clicking user). */
  tellUser: (responseUrl: string, text: string) => Promise<void>;
}

/**
 * The one path every request from Slack takes, over HTTP and Socket Mode alike: shape check, installation gate,
 * then Bolt. Events are acknowledged only once their listeners have queued the work (a failure becomes a
 * redelivery, never a lost question) and within `ackDeadlineMs`; interactive payloads and commands are
 * acknowledged when their listener calls ack(), since their ack carries the answer. Nothing thrown here escapes.
 */
export function createDelivery(o: DeliveryOptions): (d: Delivery, reply: Reply) => Promise<void> {
  const { log } = o;

  const unusable = async (body: Record<string, unknown>, problem: string, reply: Reply) => {
    log.warn(
      { kind: kindOf(body), type: typeof body.type === 'string' ? body.type : null, problem, shape: shapeOf(body) },
      'unusable request from Slack: acknowledged and ignored',
    );
    await reply.ack();
    const url = body.response_url;
    // The request is signed, so its response_url is Slack's (Bolt's respond() trusts it the same way).
    if (typeof url === 'string' && /^https?:\/\//.test(url))
      await o.tellUser(url, UNUSABLE_NOTE).catch((err: Error) => log.debug({ err }, 'could not tell the user'));
  };

  const event = async (app: App, d: Delivery & { body: Record<string, unknown> }, reply: Reply) => {
    let stored: unknown;
    const run = app.processEvent({
      body: d.body,
      ack: async (r?: unknown) => {
        stored = r;
      },
      retryNum: d.retryNum,
      retryReason: d.retryReason,
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), o.ackDeadlineMs);
    });
    const outcome = await Promise.race([
      run.then(
        () => 'done' as const,
        (err: unknown) => ({ err }),
      ),
      late,
    ]);
    clearTimeout(timer);
    if (outcome === 'done') return reply.ack(stored);
    if (outcome === 'late') {
      // The listener keeps going: if it still queues the work, the redelivery finds it claimed and is only acked.
      run.catch(() => undefined);
      log.warn(
        { deadline_ms: o.ackDeadlineMs, event_id: d.body.event_id, retry_num: d.retryNum },
        'event not taken on in time (a store is slow): asking Slack to deliver it again',
      );
      return reply.retry();
    }
    if (outcome.err instanceof AuthorizationError) return reply.unauthorized();
    log.warn(
      { err: { message: (outcome.err as Error)?.message }, event_id: d.body.event_id, retry_num: d.retryNum },
      'event not taken on: asking Slack to deliver it again',
    );
    return reply.retry();
  };

  const interactive = async (app: App, d: Delivery & { body: Record<string, unknown> }, reply: Reply) => {
    let acked = false;
    let stored: unknown;
    const ack = async (r?: unknown) => {
      if (acked) return;
      acked = true;
      if (reply.holdAcks) stored = r;
      else await reply.ack(r);
    };
    try {
      await app.processEvent({ body: d.body, ack, retryNum: d.retryNum, retryReason: d.retryReason });
    } catch (err) {
      if (err instanceof AuthorizationError && !acked) {
        acked = true;
        return reply.unauthorized();
      }
      log.error({ err, kind: kindOf(d.body) }, 'interactive request failed');
    }
    // No listener answered (an unknown action, or one that failed first): Slack still gets its 200.
    if (!acked || reply.holdAcks) await reply.ack(stored);
  };

  return async (d, reply) => {
    try {
      const app = o.app();
      if (!app) return await reply.retry();
      const { body } = d;
      if (!isRecord(body)) {
        log.warn({ shape: shapeOf(body) }, 'request from Slack is not a JSON object: refused');
        return await reply.reject();
      }
      const problem = routingProblem(body);
      if (problem) return await unusable(body, problem, reply);
      if (!o.gate.admits(body)) return await reply.ack();
      const withBody = { ...d, body };
      if (kindOf(body) === 'event') await event(app, withBody, reply);
      else await interactive(app, withBody, reply);
    } catch (err) {
      log.error({ err }, 'delivery from Slack failed unexpectedly');
      await reply.retry().catch(() => undefined);
    }
  };
}
