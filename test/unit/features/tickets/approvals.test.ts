import { describe, expect, it } from 'vitest';
import { outcomeText, type PendingApproval, TicketApprovals } from '../../../../src/features/tickets/approvals.js';
import { FileTicketProvider } from '../../../../src/features/tickets/providers/file.js';
import { createTranslators } from '../../../../src/i18n/translators.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { MemoryApprovalStore } from '../../../../src/platform/store/memory/memory-stores.js';
import { ctx, sampleTicketsCopy, silent } from './helpers.js';

function setup(opts: { failPost?: boolean } = {}) {
  let now = Date.parse('2026-08-21T10:00:00Z');
  const store = new MemoryApprovalStore(storeKeys('t:'), () => now);
  const cards: PendingApproval[] = [];
  const provider = new FileTicketProvider(sampleTicketsCopy());
  const approvals = new TicketApprovals(
    store,
    { post: async (a) => (opts.failPost ? Promise.reject(new Error('channel_not_found')) : void cards.push(a)) },
    provider,
    { ttlSeconds: 600, timeoutMs: 2_000, now: () => now },
    silent,
  );
  const request = () =>
    approvals.request(ctx({ channel: 'C100' }), {
      project: 'SUP',
      title: 'Printer jammed',
      description: 'E42',
      priority: 'low',
      requester: { slackId: 'U1', name: 'Ada' },
    });
  return { approvals, cards, provider, request, advance: (ms: number) => (now += ms) };
}

describe('ticket approvals', () => {
  it('runs the write once, for the asking user only, even when clicked twice at once', async () => {
    const { approvals, request, provider } = setup();
    const a = await request();
    expect(await approvals.decide(a.id, { teamId: 'T0TEST', userId: 'U2' }, 'approve')).toEqual({
      kind: 'wrong_user',
      ownerId: 'U1',
    });
    expect(await approvals.decide(a.id, { teamId: 'T9OTHER', userId: 'U1' }, 'approve')).toMatchObject({
      kind: 'wrong_user',
    });
    const both = await Promise.all([
      approvals.decide(a.id, { teamId: 'T0TEST', userId: 'U1' }, 'approve'),
      approvals.decide(a.id, { teamId: 'T0TEST', userId: 'U1' }, 'approve'),
    ]);
    expect(both.map((d) => d.kind).sort()).toEqual(['created', 'expired']);
    expect((await provider.search({ text: 'printer', status: null, limit: 5 })).map((t) => t.id)).toEqual(['SUP-104']);
  });

  it('expires after its time to live', async () => {
    const { approvals, request, advance } = setup();
    const a = await request();
    advance(601_000);
    expect(await approvals.decide(a.id, { teamId: 'T0TEST', userId: 'U1' }, 'approve')).toEqual({ kind: 'expired' });
  });

  it('withdraws a request whose card could not be posted', async () => {
    const { approvals, request } = setup({ failPost: true });
    await expect(request()).rejects.toThrow('channel_not_found');
    // Nothing is left behind that a forged click could approve.
    expect(await approvals.decide('anything', { teamId: 'T0TEST', userId: 'U1' }, 'approve')).toEqual({
      kind: 'expired',
    });
  });

  it('describes each outcome for the thread', async () => {
    const { approvals, request } = setup();
    const a = await request();
    const d = await approvals.decide(a.id, { teamId: 'T0TEST', userId: 'U1' }, 'cancel');
    const en = createTranslators().english;
    expect(d.kind === 'cancelled' && outcomeText(en, d)).toBe(
      '🚫 U1 cancelled the request to create the ticket “Printer jammed”. Nothing was created.',
    );
    const jira = { key: 'tools.error.as_reported', values: { detail: 'Jira answered HTTP 500' } } as const;
    expect(outcomeText(en, { kind: 'failed', approval: a, message: jira })).toMatch(
      /creating it failed: Jira answered HTTP 500\. Nothing was created/,
    );
    expect(outcomeText(en, { kind: 'failed', approval: a })).toMatch(/the ticket system did not answer in time/);
  });

  it('tells a Japanese asker the outcome in Japanese', async () => {
    const { approvals, request } = setup();
    const a = await request();
    const ja = createTranslators().forLocale('ja-JP');
    const d = await approvals.decide(a.id, { teamId: 'T0TEST', userId: 'U1' }, 'cancel');
    expect(d.kind === 'cancelled' && outcomeText(ja, d)).toBe(
      '🚫 U1 さんがチケット「Printer jammed」の作成依頼をキャンセルしました。何も作成されていません。',
    );
    const created = outcomeText(ja, {
      kind: 'created',
      approval: a,
      ticket: {
        id: 'SUP-9',
        project: 'SUP',
        title: 'Printer jammed',
        status: 'open',
        closed: false,
        priority: 'high',
        assignee: null,
        requesterSlackId: 'U1',
        requesterEmail: null,
        createdAt: '2026-01-01T00:00:00Z',
        updatedAt: '2026-01-01T00:00:00Z',
        description: '',
        url: 'https://tickets.example/SUP-9',
      },
    });
    expect(created).toContain('チケット **SUP-9**「Printer jammed」を作成しました');
    expect(created).toContain(' — https://tickets.example/SUP-9');
  });
});
