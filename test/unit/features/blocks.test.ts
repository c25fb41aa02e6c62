import { describe, expect, it } from 'vitest';
import { contextFromEntities } from '../../../src/features/answering/app-context.js';
import { askModal } from '../../../src/features/answering/ask-modal.js';
import { feedbackBlocks } from '../../../src/features/answering/feedback-blocks.js';
import { startingStatus, titleFrom } from '../../../src/features/answering/turn-presence.js';
import { homeView } from '../../../src/features/home/home-view.js';
import { approvalCardBlocks, resolvedCardBlocks } from '../../../src/features/tickets/approval-card.js';
import type { PendingApproval } from '../../../src/features/tickets/approvals.js';
import type { Triage } from '../../../src/features/triage/schema.js';
import { triageCardBlocks, triageCardText } from '../../../src/features/triage/triage-card.js';
import { type StoredTriage, ticketArgs } from '../../../src/features/triage/triage-flow.js';
import { threadTranscript } from '../../../src/platform/slack/transcript.js';
import { REMOVED_TEXT, redactPerson } from '../../../src/platform/store/redact-person.js';
import { blockErrors, MESSAGE_BLOCKS, viewErrors } from '../../fakes/slack-blocks.js';
import { en, translators } from '../../support/translators.js';

const triage: Triage = {
  title: 'Login fails for <!channel> users',
  summary: 'SSO returns 500 *since* deploy <https://evil.example|click>.',
  severity: 'critical',
  category: 'outage',
  component: null,
  steps_to_reproduce: ['Open /login', 'Click SSO'],
  suggested_owner: null,
  confidence: 0.42,
};

describe('triage card', () => {
  it('shows every field, escapes model text so it cannot ping or link, and carries the Create ticket button', () => {
    const blocks = triageCardBlocks(en, triage, { id: 'abc', requestedBy: 'U1', ticketsEnabled: true });
    const json = JSON.stringify(blocks);
    // The header is plain_text, which Slack never parses for mentions; every mrkdwn text is escaped.
    expect(JSON.stringify(blocks.slice(1))).not.toContain('<!channel>');
    expect(json).not.toContain('<https://evil.example');
    expect(json).toContain('*Component*\\n_unknown_');
    expect(json).toContain('*Suggested owner*\\n_unknown_');
    expect(json).toContain('1. Open /login\\n2. Click SSO');
    expect(json).toContain('Confidence 42%');
    expect(blocks[0]).toMatchObject({
      type: 'header',
      text: { type: 'plain_text', text: expect.stringMatching(/^🔴 Login fails/) },
    });
    expect(blocks).toContainEqual(
      expect.objectContaining({
        type: 'actions',
        elements: [expect.objectContaining({ action_id: 'tw_triage_ticket', value: 'abc' })],
      }),
    );
  });

  it('reads in Japanese for a Japanese reporter, the severity included', () => {
    const ja = translators.forLocale('ja-JP');
    const json = JSON.stringify(triageCardBlocks(ja, triage, { id: 'abc', requestedBy: 'U1', ticketsEnabled: true }));
    expect(json).toContain('*重大度*\\n重大');
    expect(json).toContain('*コンポーネント*\\n_不明_');
    expect(json).toContain('チケットを作成');
    expect(json).not.toContain('critical');
    expect(triageCardText(ja, triage)).toMatch(/（重大度 重大）$/);
  });

  it('has no button when tickets are not configured, and no steps section without steps', () => {
    const blocks = triageCardBlocks(
      en,
      { ...triage, steps_to_reproduce: [] },
      { id: 'abc', requestedBy: 'U1', ticketsEnabled: false },
    );
    expect(JSON.stringify(blocks)).not.toContain('tw_triage_ticket');
    expect(JSON.stringify(blocks)).not.toContain('Steps to reproduce');
    expect(JSON.stringify(blocks)).not.toContain('after approval');
  });

  it('maps a triage to create_ticket arguments within the tool’s limits', () => {
    const stored: StoredTriage = {
      id: 'x',
      teamId: 'T',
      channel: 'C',
      threadTs: '1.1',
      messageTs: '1.1',
      requestedBy: 'U1',
      triage: { ...triage, title: 'Bug' },
    };
    const args = ticketArgs(stored, 'https://slack/link');
    expect(args.priority).toBe('urgent');
    expect(args.title.length).toBeGreaterThanOrEqual(5);
    expect(args.description).toContain('Reported in Slack: https://slack/link');
  });
});

describe('other builders', () => {
  it('feedback buttons follow Slack’s context_actions / feedback_buttons shape', () => {
    expect(feedbackBlocks(en)).toEqual([
      expect.objectContaining({
        type: 'context_actions',
        elements: [
          expect.objectContaining({
            type: 'feedback_buttons',
            action_id: 'tw_feedback',
            positive_button: expect.objectContaining({ value: 'positive' }),
            negative_button: expect.objectContaining({ value: 'negative' }),
          }),
        ],
      }),
    ]);
  });

  it('the ask modal keeps its target in private_metadata and previews the message', () => {
    const view = askModal(en, { channel: 'C1', messageTs: '2.2', threadTs: '1.1' }, 'hello   <@U1>\nworld');
    expect(JSON.parse(String(view.private_metadata))).toEqual({ channel: 'C1', messageTs: '2.2', threadTs: '1.1' });
    expect(JSON.stringify(view.blocks)).toContain('*About this message:*\\n>hello &lt;@U1&gt; world');
  });

  it('the ask modal speaks the asker’s language, within Slack’s length limits for every catalog', () => {
    const target = { channel: 'C1', messageTs: '2.2', threadTs: '1.1' };
    const de = askModal(translators.forLocale('de-DE'), target, '');
    expect(de.title).toEqual({ type: 'plain_text', text: 'Threadwise fragen' });
    expect(JSON.stringify(de.blocks)).toContain('*Zu dieser Nachricht:*\\n>_(kein Text)_');
    const ja = askModal(translators.forLocale('ja-JP'), target, 'hi');
    expect(ja.submit).toEqual({ type: 'plain_text', text: '質問する' });
    for (const locale of ['en-US', 'de-DE', 'fr-FR', 'es-ES', 'ja-JP', 'pt-BR'])
      expect(
        viewErrors(askModal(translators.forLocale(locale), target, 'x') as unknown as Record<string, unknown>),
      ).toEqual([]);
  });

  it('the home view lists capabilities, commands and usage', () => {
    const zero = { inputTokens: 0, cachedTokens: 0, outputTokens: 0, usdMicros: 0, calls: 0 };
    const view = homeView(en, {
      userId: 'U1',
      capabilities: ['Answer'],
      commands: [{ usage: '/threadwise ask <q>', description: 'ask' }],
      usage: {
        userToday: { ...zero, inputTokens: 1200, outputTokens: 34, calls: 2, usdMicros: 5000 },
        userMonth: zero,
        workspaceMonth: zero,
        top: [],
      },
      dailyLimit: 10_000,
    });
    const json = JSON.stringify(view);
    expect(json).toContain('1,234 tokens');
    expect(json).toContain('This month: nothing yet');
    expect(json).toContain('8,766 left');
  });
});

describe('presence helpers', () => {
  it('picks a starting status and its loading message from the files', () => {
    expect(startingStatus(en, [{ id: 'F', mimetype: 'image/png' }], ['A'])).toEqual({
      text: 'is reading your screenshot…',
      loading: ['Reading your screenshot…', 'A'],
    });
    expect(startingStatus(en, [{ id: 'F', mimetype: 'application/pdf' }], []).text).toBe('is reading your file…');
    expect(startingStatus(en, undefined, ['A'])).toEqual({ text: 'is thinking…', loading: ['A'] });
  });

  it('rotates the default loading messages in the asker’s language when the operator set none', () => {
    expect(startingStatus(en, undefined, undefined).loading).toEqual([
      'Reading the thread…',
      'Thinking it through…',
      'Writing the answer…',
    ]);
    const ja = translators.forLocale('ja-JP');
    expect(startingStatus(ja, undefined, undefined)).toEqual({
      text: ja.t('status.thinking'),
      loading: ['スレッドを読んでいます…', '考えています…', '回答を書いています…'],
    });
    expect(startingStatus(ja, undefined, []).loading).toEqual([]);
  });

  it('titles a thread with one short line cut at a word', () => {
    expect(titleFrom('  short\nquestion ')).toBe('short question');
    expect(titleFrom(`${'x'.repeat(10)} ${'y'.repeat(80)}`)).toMatch(/^x{10} y+…$/);
    expect(titleFrom('   ')).toBeUndefined();
  });

  it('reads channel and message entities of app_context_changed and ignores the rest', () => {
    expect(contextFromEntities([{ type: 'slack#/types/canvas_id', value: 'F1' }], 5)).toBeUndefined();
    expect(
      contextFromEntities(
        [
          { type: 'slack#/types/channel_id', value: 'C1' },
          { type: 'slack#/types/message_context', value: { message_ts: '1.2', channel_id: 'C2' } },
        ],
        5,
      ),
    ).toEqual({ at: 5, channel: 'C1', message: { channel: 'C2', ts: '1.2' } });
    expect(contextFromEntities('nope', 5)).toBeUndefined();
  });
});

describe('transcript and redaction', () => {
  it('keeps the first message and the newest replies of a long thread, and says what was left out', () => {
    const msgs = Array.from({ length: 50 }, (_, i) => ({
      ts: `${1_700_000_000 + i}.000000`,
      text: `message ${i}`,
      user: 'U1',
    }));
    const text = threadTranscript(msgs, 'UBOT', 400);
    expect(text.split('\n')[0]).toContain('message 0');
    expect(text).toContain('message 49');
    expect(text).toMatch(/\(\d+ earlier replies are left out for length\)/);
    expect(text.length).toBeLessThanOrEqual(460);
  });

  it('removes one person from a shared thread, with the tool results fetched for them', () => {
    const { items, changed } = redactPerson(
      [
        {
          type: 'user',
          ts: '1',
          userId: 'U1',
          userName: 'Ada',
          text: 'my ticket SUP-1',
          attachments: [{ kind: 'text', name: 'a.txt', text: 'x', totalChars: 1, truncated: false }],
        },
        { type: 'function_call', callId: 'c', name: 'lookup_ticket', arguments: '{}' },
        { type: 'function_call_output', callId: 'c', output: '{"secret":true}' },
        { type: 'assistant', text: 'It is open.' },
        { type: 'user', ts: '2', userId: 'U2', userName: 'Grace', text: 'mine too' },
      ],
      'U1',
    );
    expect(changed).toBe(2);
    expect(items[0]).toEqual({ type: 'user', ts: '1', userId: '', userName: 'someone', text: REMOVED_TEXT });
    expect(JSON.stringify(items)).not.toContain('secret');
    expect(items[4]).toMatchObject({ userId: 'U2', text: 'mine too' });
  });
});

describe('every block builder stays within Slack’s limits with the largest realistic inputs', () => {
  // HTML and stack traces escape to up to five times their length (& → &amp;): the worst case for every limit.
  const worst = (n: number) => '<&>'.repeat(Math.ceil(n / 3)).slice(0, n);

  it('the triage card, whatever the model writes, is accepted', () => {
    const huge: Triage = {
      title: worst(2_000),
      summary: worst(20_000),
      severity: 'critical',
      category: worst(1_000),
      component: worst(1_000),
      steps_to_reproduce: Array.from({ length: 50 }, () => worst(1_000)),
      suggested_owner: worst(1_000),
      confidence: 1,
    };
    for (const ticketsEnabled of [true, false]) {
      const blocks = triageCardBlocks(en, huge, { id: 'f'.repeat(24), requestedBy: 'U0123456789', ticketsEnabled });
      expect(blockErrors(blocks, MESSAGE_BLOCKS)).toEqual([]);
    }
    expect(triageCardText(en, huge).length).toBeLessThanOrEqual(300);
    expect(triageCardText(en, huge)).not.toMatch(/&[a-z]*…/);
  });

  it('the approval card, pending and resolved, is accepted with create_ticket’s longest title and description', () => {
    const approval: PendingApproval = {
      id: 'f'.repeat(24),
      teamId: 'T0123456789',
      channel: 'C0123456789',
      threadTs: '1700000000.000100',
      userId: 'U0123456789',
      userName: worst(200),
      expiresAt: Date.now() + 3_600_000,
      ticket: {
        project: worst(200),
        title: worst(150),
        description: worst(4_000),
        priority: 'urgent',
        requester: { slackId: 'U0123456789', name: 'Ada' },
      },
    };
    expect(blockErrors(approvalCardBlocks(en, approval), MESSAGE_BLOCKS)).toEqual([]);
    const created = { kind: 'created' as const, ticketId: worst(200), url: `https://t.example/${'x'.repeat(2_900)}` };
    for (const outcome of [created, { kind: 'cancelled' as const }, { kind: 'failed' as const }])
      expect(blockErrors(resolvedCardBlocks(en, approval, outcome), MESSAGE_BLOCKS)).toEqual([]);
  });

  it('the ask modal with a 40,000-character message, the home tab and the feedback buttons are accepted', () => {
    const modal = askModal(
      en,
      { channel: 'C0123456789', messageTs: '1700000000.000200', threadTs: '1700000000.000100' },
      worst(40_000),
    );
    expect(viewErrors(modal as unknown as Record<string, unknown>)).toEqual([]);
    const zero = { inputTokens: 0, cachedTokens: 0, outputTokens: 0, usdMicros: 0, calls: 0 };
    const big = { inputTokens: 9e12, cachedTokens: 0, outputTokens: 9e12, usdMicros: 9e15, calls: 9e9 };
    const home = homeView(en, {
      userId: 'U0123456789',
      capabilities: Array.from({ length: 12 }, (_, i) => `Capability ${i} with a description of a realistic length`),
      commands: Array.from({ length: 10 }, (_, i) => ({
        usage: `/threadwise cmd${i} <arg>`,
        description: 'what it does',
      })),
      usage: { userToday: big, userMonth: big, workspaceMonth: zero, top: [] },
      dailyLimit: 10_000_000,
    });
    expect(viewErrors(home as unknown as Record<string, unknown>)).toEqual([]);
    expect(blockErrors(feedbackBlocks(en), MESSAGE_BLOCKS)).toEqual([]);
  });
});
