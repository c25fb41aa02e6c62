import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import { issuesOf } from '../../platform/slack/payloads.js';
import type { TurnStops } from '../../platform/store/turn-stops.js';

export interface StopHandlerDeps {
  stops: TurnStops;
  log: Logger;
}

/** @slack/types AgentSessionStoppedEvent: only the thread is read (the turn running there is the one to stop). */
const stoppedSchema = z.looseObject({
  type: z.literal('agent_session_stopped'),
  channel: z.string().min(1),
  thread_ts: z.string().min(1),
});

const envelopeSchema = z.looseObject({ team_id: z.string().min(1) });

/**
 * Slack's Stop button (agent_session_stopped): the turn running in that thread stops, on whichever replica runs it,
 * so the stop is published rather than handled here.
 */
export function registerStopHandler(app: App, deps: StopHandlerDeps): void {
  app.event('agent_session_stopped', async ({ event, body }) => {
    const parsed = stoppedSchema.safeParse(event);
    const envelope = envelopeSchema.safeParse(body);
    if (!parsed.success || !envelope.success)
      return deps.log.warn(
        { issues: issuesOf((parsed.error ?? envelope.error)!) },
        'ignoring malformed agent_session_stopped',
      );
    const key = { teamId: envelope.data.team_id, channel: parsed.data.channel, threadTs: parsed.data.thread_ts };
    await deps.stops.stop(key);
    deps.log.info({ slack: { channel: key.channel, thread_ts: key.threadTs } }, 'stop pressed; told the running turn');
  });
}
