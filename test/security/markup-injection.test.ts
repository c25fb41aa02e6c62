// Markup injection on every path that posts: text from the model, a tool, a ticket or a person must never reach
// Slack as a live broadcast, user-group or user mention, channel link, <url|label> link or javascript:/data: link.
// The fake Slack reports what it would make live (test/fakes/slack-markup.ts); only the bot's own mentions may be.
import { afterEach, describe, expect, it } from 'vitest';
import { resolvedCardBlocks } from '../../src/features/tickets/approval-card.js';
import { blockActionPayload, messageActionPayload, viewSubmissionPayload } from '../fakes/slack-events.js';
import { type LiveMarkup, liveInBlocks, liveInMrkdwn } from '../fakes/slack-markup.js';
import { Harness } from '../integration/harness.js';
import { SUP_CHANNEL, toolHarness } from '../integration/tool-setup.js';
import { en } from '../support/translators.js';

let h: Harness;
afterEach(async () => h?.stop());

/** Everything an attacker would want live, in one text (it also quotes HTML, which cards must escape and fit). */
const HOSTILE =
  'Hi <!channel> <!here> <!everyone> <!subteam^S0ONCALL|@oncall>, ask <@U2> in <#C0SECRET>: ' +
  '<https://evil.example/login|https://docs.example.com> [docs](javascript:alert(1)) ![x](data:text/html,hi) ' +
  '&lt;!here&gt; <div>&nbsp;</div>';

/** Live markup the bot did not mean: anything but mentions of `allowed` users, dates and plain http(s) links. */
function unintended(found: LiveMarkup[], allowed: string[] = []): LiveMarkup[] {
  return found.filter((l) => {
    if (l.kind === 'user') return !allowed.includes(l.target);
    if (l.kind === 'date') return false;
    if (l.kind === 'link') return l.target.includes('evil') || !/^(?:https?|mailto):/i.test(l.target);
    return true;
  });
}
const shownUnintended = (allowed: string[] = []) => unintended(h.slack.liveMarkup(), allowed);
/** What a reader sees: the guard's zero-width breaks are invisible and its `‹` reads as `<`. */
const visible = (s: string) => s.replace(/\u200B/g, '').replace(/\u2039/g, '<');

const until = (check: () => boolean, what: string) => h.until(check, what);
const finished = () => h.parsedLogs().filter((l) => l.msg === 'turn finished').length;

describe('answers written by the model', () => {
  it('a streamed answer full of broadcasts, mentions and hostile links pings and links nobody, even split across deltas', async () => {
    h = await new Harness().start();
    // Three-character deltas split `<!channel>` into `<!c` + `han` + `nel>`.
    h.openai.enqueue({ kind: 'text', text: HOSTILE, chunkSize: 3 });
    const sent = await h.mention({ text: 'summarise the incident' });
    await h.turnFinished(sent.eventId);
    const [reply] = h.replies(SUP_CHANNEL, h.slack.messages(SUP_CHANNEL)[0]!.ts);
    expect(h.slack.callsTo('chat.startStream').length).toBe(1);
    expect(shownUnintended()).toEqual([]);
    // The reader still sees what the model wrote.
    expect(visible(reply!.text)).toContain('Hi <!channel> <!here> <!everyone> <!subteam^S0ONCALL|@oncall>');
  });

  it('a posted and edited answer (no native streaming) is neutralised the same way, fallback included', async () => {
    h = await new Harness({ yaml: 'slack:\n  native_streaming: false' }).start();
    h.openai.enqueue({ kind: 'text', text: HOSTILE, chunkSize: 5 });
    const sent = await h.mention({ text: 'summarise the incident' });
    await h.turnFinished(sent.eventId);
    expect(h.slack.callsTo('chat.postMessage').length).toBeGreaterThan(0);
    expect(shownUnintended()).toEqual([]);
  });

  it('a triage card whose every field is hostile, and its notification text, ping nobody; only the requester is mentioned', async () => {
    h = await toolHarness().start();
    const ts = h.slack.addMessage(SUP_CHANNEL, { user: 'U2', text: 'checkout broken' });
    h.openai.enqueue({
      kind: 'json',
      value: {
        title: `<!channel> ${HOSTILE}`,
        summary: `${HOSTILE} ${'<b>&amp;</b>'.repeat(400)}`,
        severity: 'critical',
        category: HOSTILE,
        component: HOSTILE,
        steps_to_reproduce: Array.from({ length: 12 }, () => HOSTILE),
        suggested_owner: '<!subteam^S0ONCALL|@oncall>',
        confidence: 0.9,
      },
    });
    await h.interact(
      messageActionPayload({
        callback_id: 'triage_message',
        user: 'U1',
        channel: SUP_CHANNEL,
        message: { user: 'U2', ts, text: 'checkout broken' },
        responseUrl: h.slack.responseUrl(),
      }),
    );
    await h.waitForLog((l) => l.msg === 'triage finished');
    const card = h.replies(SUP_CHANNEL, ts).find((m) => m.blocks);
    expect(card, 'Slack accepted the card (no invalid_blocks)').toBeDefined();
    expect(card!.fallback).toMatch(/^Triage: &lt;!channel&gt;/);
    expect(shownUnintended(['U1'])).toEqual([]);
  });

  it('a triage the model refuses with hostile text posts the refusal escaped', async () => {
    h = await toolHarness().start();
    const ts = h.slack.addMessage(SUP_CHANNEL, { user: 'U2', text: 'hi' });
    h.openai.enqueue({ kind: 'refusal', refusal: HOSTILE });
    await h.interact(
      messageActionPayload({
        callback_id: 'triage_message',
        user: 'U1',
        channel: SUP_CHANNEL,
        message: { user: 'U2', ts, text: 'hi' },
        responseUrl: h.slack.responseUrl(),
      }),
    );
    await h.waitForLog((l) => l.msg === 'triage finished');
    expect(h.replies(SUP_CHANNEL, ts).map((m) => m.text)).toEqual([expect.stringContaining('&lt;!channel&gt;')]);
    expect(shownUnintended()).toEqual([]);
  });
});

describe('tool progress and notices', () => {
  it('a hostile search query in a thinking step and a hostile file name in the notice ping nobody', async () => {
    h = await toolHarness().start();
    const zip = h.slack.addFile({
      id: 'F0ZIP',
      name: '<!channel>[x](javascript:alert(1)).zip',
      mimetype: 'application/zip',
      bytes: 'PK\u0003\u0004',
    });
    h.openai.enqueue(
      {
        kind: 'function_calls',
        calls: [{ name: 'search_tickets', arguments: JSON.stringify({ query: '<!channel> <@U2>', status: null }) }],
      },
      { kind: 'text', text: 'Nothing matched <!here>.' },
    );
    const sent = await h.mention({ text: 'find tickets', files: [zip] });
    await h.turnFinished(sent.eventId);
    const [reply] = h.replies(SUP_CHANNEL, h.slack.messages(SUP_CHANNEL)[0]!.ts);
    const steps = h.slack.streamChunks(SUP_CHANNEL, reply!.ts)!.chunks;
    expect(steps[0]).toMatchObject({ title: 'Searching tickets for “\u2039!channel> \u2039@U2>”' });
    expect(JSON.stringify(steps)).not.toMatch(/<[!@]/);
    expect(visible(reply!.text)).toContain('📎 _Skipped `');
    expect(shownUnintended()).toEqual([]);
  });

  it('a hostile search query in the status line (Slack refusing steps) pings nobody', async () => {
    h = await toolHarness().start();
    h.slack.refuseChunks('invalid_chunks');
    h.openai.enqueue(
      {
        kind: 'function_calls',
        calls: [{ name: 'search_tickets', arguments: JSON.stringify({ query: '<!channel> <@U2>', status: null }) }],
      },
      { kind: 'text', text: 'Nothing matched.' },
    );
    const sent = await h.mention({ text: 'find tickets' });
    await h.turnFinished(sent.eventId);
    const statuses = h.slack.callsTo('assistant.threads.setStatus').map((c) => String(c.args.status));
    expect(statuses).toContain('is searching tickets for “\u2039!channel> \u2039@U2>”…');
    expect(statuses.join('\n')).not.toMatch(/<[!@]/);
  });
});

describe('tickets', () => {
  it('an approval card for a hostile 4,000-character ticket is accepted by Slack and pings nobody; so are its outcome and fallback', async () => {
    h = await toolHarness().start();
    const description = `${HOSTILE} ${'<script>alert("x")</script> & '.repeat(200)}`.slice(0, 4_000);
    h.openai.enqueue(
      {
        kind: 'function_calls',
        calls: [
          {
            name: 'create_ticket',
            arguments: JSON.stringify({ title: '<!channel> printer <@U2>', description, priority: 'high' }),
          },
        ],
      },
      { kind: 'text', text: 'Approve it <!here>.' },
    );
    const sent = await h.mention({ text: 'open a ticket please' });
    await h.turnFinished(sent.eventId);
    const threadTs = h.slack.messages(SUP_CHANNEL)[0]!.ts;
    const card = h
      .replies(SUP_CHANNEL, threadTs)
      .find((m) => JSON.stringify(m.blocks ?? []).includes('tw_ticket_approve'));
    expect(card, 'Slack accepted the approval card (no invalid_blocks)').toBeDefined();
    expect(h.slack.calls.filter((c) => c.error === 'invalid_blocks')).toEqual([]);
    expect(card!.fallback).toBe('Approve creating the ticket “&lt;!channel&gt; printer &lt;@U2&gt;”?');
    expect(shownUnintended(['U1'])).toEqual([]);

    const approvalId = JSON.stringify(card!.blocks).match(/"value":"([0-9a-f]{24})"/)![1]!;
    await h.interact(
      blockActionPayload({
        user: 'U1',
        channel: SUP_CHANNEL,
        message_ts: card!.ts,
        thread_ts: threadTs,
        action_id: 'tw_ticket_approve',
        value: approvalId,
      }),
    );
    await h.waitForLog((l) => l.msg === 'approval handled');
    const outcome = h.replies(SUP_CHANNEL, threadTs).at(-1)!;
    expect(visible(outcome.text)).toContain('“<!channel> printer <@U2>”');
    expect(shownUnintended(['U1'])).toEqual([]);
  });

  it('a ticket system URL that is not http(s) never becomes a link on the resolved card', () => {
    const approval = {
      id: 'a1',
      teamId: 'T1',
      channel: 'C1',
      threadTs: '1.1',
      userId: 'U1',
      userName: 'Ada',
      expiresAt: Date.now() + 60_000,
      ticket: {
        project: 'SUP',
        title: 't',
        description: 'd',
        priority: 'low' as const,
        requester: { slackId: 'U1', name: 'Ada' },
      },
    };
    for (const url of ['javascript:alert(1)', 'data:text/html,x', 'https://evil.example|x>']) {
      const blocks = resolvedCardBlocks(en, approval, { kind: 'created', ticketId: '<!channel>', url });
      expect(unintended(liveInBlocks(blocks), ['U1'])).toEqual([]);
    }
  });
});

describe('text a person typed and the bot echoes', () => {
  it('/threadwise ask shows a question with user groups and broadcasts as words; only the asker is mentioned', async () => {
    h = await new Harness().start();
    h.openai.enqueue({ kind: 'text', text: 'On it.' });
    await h.slash('ask <!subteam^S0ONCALL|@oncall> <!channel> <@U2> is prod down? <https://evil.example|docs>');
    await until(() => finished() === 1, 'the answer');
    const [root] = h.slack.messages(SUP_CHANNEL);
    expect(root!.text).toBe('<@U1> asked: @oncall @channel @Grace is prod down? docs (https://evil.example)');
    expect(shownUnintended(['U1'])).toEqual([]);
  });

  it('the “Ask about this message” question is posted escaped; only the asker is mentioned', async () => {
    h = await new Harness().start();
    const msgTs = h.slack.addMessage(SUP_CHANNEL, { user: 'U2', text: 'Deploy failed' });
    await h.interact(
      messageActionPayload({
        callback_id: 'ask_about_message',
        user: 'U1',
        channel: SUP_CHANNEL,
        message: { ts: msgTs, user: 'U2', text: 'Deploy failed <!channel>' },
        responseUrl: h.slack.responseUrl(),
      }),
    );
    const view = h.slack.callsTo('views.open')[0]!.args.view as { callback_id: string; private_metadata: string };
    h.openai.enqueue({ kind: 'text', text: 'Because.' });
    await h.interact(
      viewSubmissionPayload({
        user: 'U1',
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        values: { question: { question_input: HOSTILE } },
      }),
    );
    await until(() => finished() === 1, 'the answer');
    const asked = h.slack.messages(SUP_CHANNEL).find((m) => m.text.startsWith('<@U1> asked about'));
    expect(asked?.text).toContain('&lt;!channel&gt;');
    expect(shownUnintended(['U1'])).toEqual([]);
  });

  it('an unknown subcommand is echoed escaped', async () => {
    h = await new Harness().start();
    const res = await h.slash('<!channel>');
    expect(res.json.text).toMatch(/^I don't know `&lt;!channel&gt;`\./);
    expect(unintended(liveInMrkdwn(res.json.text!))).toEqual([]);
  });
});
