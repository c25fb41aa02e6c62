import type { App } from '@slack/bolt';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { registerApprovalHandlers } from '../../../../src/features/tickets/approval-actions.js';
import { TicketApprovals } from '../../../../src/features/tickets/approvals.js';
import { FileTicketProvider } from '../../../../src/features/tickets/providers/file.js';
import type { NewTicket, Ticket, TicketProvider } from '../../../../src/features/tickets/providers/types.js';
import { createTranslators } from '../../../../src/i18n/translators.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { MemoryApprovalStore } from '../../../../src/platform/store/memory/memory-stores.js';
import { blockActionPayload } from '../../../fakes/slack-events.js';
import { fakeThreadStore } from '../../../support/fake-thread-store.js';
import { InProcessSlack } from '../../../support/in-process-slack.js';
import { ctx, sampleTicketsCopy, silent } from './helpers.js';

const CHANNEL = 'C100';
const THREAD = '1700000000.000100';

/** A ticket system that links its tickets (the sample file has no links for new tickets). */
class LinkedProvider extends FileTicketProvider implements TicketProvider {
  override async create(input: NewTicket): Promise<Ticket> {
    const t = await super.create(input);
    return { ...t, url: `https://support.example.com/tickets/${t.id}` };
  }
}

/** A logger that tells when a line with `msg` was written (the click's work runs after its ack). */
function loggedOnce(msg: string) {
  let seen: (line: Record<string, unknown>) => void = () => undefined;
  const line = new Promise<Record<string, unknown>>((resolve) => (seen = resolve));
  const log = pino({ level: 'info' }, { write: (s: string) => JSON.parse(s).msg === msg && seen(JSON.parse(s)) });
  return { log, line };
}

describe('a ticket the bot creates', () => {
  it('comes with its Work Object card once the asker approves it', async () => {
    const slack = new InProcessSlack();
    const approvals = new TicketApprovals(
      new MemoryApprovalStore(storeKeys('t:')),
      { post: async () => undefined },
      new LinkedProvider(sampleTicketsCopy()),
      { ttlSeconds: 600, timeoutMs: 2_000 },
      silent,
    );
    const pending = await approvals.request(ctx({ channel: CHANNEL, threadTs: THREAD }), {
      project: 'SUP',
      title: 'Printer jammed on floor 3',
      description: 'It shows E42.',
      priority: 'high',
      requester: { slackId: 'U1', name: 'Ada' },
    });
    let onClick: ((args: Record<string, unknown>) => Promise<void>) | undefined;
    const app = { action: (_: unknown, handler: typeof onClick) => (onClick = handler) } as unknown as App;
    const handled = loggedOnce('approval handled');
    registerApprovalHandlers(app, {
      approvals,
      threads: fakeThreadStore(),
      languages: { of: async () => createTranslators().english },
      log: handled.log,
    });

    const body = blockActionPayload({
      user: 'U1',
      channel: CHANNEL,
      message_ts: '1700000000.000300',
      thread_ts: THREAD,
      action_id: 'tw_ticket_approve',
      value: pending.id,
    });
    await onClick!({ ack: async () => undefined, body, client: slack.client, respond: async () => undefined });
    expect(await handled.line).toMatchObject({ decision: 'created' });

    const [outcome] = slack.botMessages(CHANNEL, THREAD);
    expect(outcome!.text).toContain('SUP-104');
    expect((outcome!.metadata as { entities: unknown[] }).entities).toEqual([
      expect.objectContaining({
        entity_type: 'slack#/entities/task',
        url: 'https://support.example.com/tickets/SUP-104',
        external_ref: { id: 'SUP-104', type: 'ticket' },
        entity_payload: expect.objectContaining({
          attributes: { title: { text: 'Printer jammed on floor 3' }, display_id: 'SUP-104' },
          fields: expect.objectContaining({ status: { value: 'open' }, priority: { value: 'high' } }),
        }),
      }),
    ]);
  });
});
