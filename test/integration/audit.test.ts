import { afterEach, describe, expect, it } from 'vitest';
import { blockActionPayload } from '../fakes/slack-events.js';
import type { Harness } from './harness.js';
import { REDIS_URL } from './harness.js';
import { CliRunner } from './offline/cli-harness.js';
import { toolHarness } from './tool-setup.js';

let h: Harness;
afterEach(async () => h?.stop());

const YAML = "limits:\n  admins: ['@leads']\n";

async function started(): Promise<Harness> {
  h = toolHarness({ yaml: YAML });
  h.slack.setUserGroup('S0LEADS', { handle: 'leads', users: ['U2'] });
  return h.start();
}

describe('the audit trail', () => {
  it('records a denied tool call with its rule and redacted arguments, readable by admins only', async () => {
    await started();
    h.openai.enqueue(
      {
        kind: 'function_calls',
        calls: [
          { name: 'lookup_ticket', arguments: '{"ticket_id":"HR-7"}' },
          { name: 'search_tickets', arguments: '{"query":"salary of cfo@example.com","status":null}' },
        ],
      },
      { kind: 'text', text: 'I cannot show that.' },
    );
    const sent = await h.mention({ user: 'U5', text: 'what is in HR-7?' });
    await h.turnFinished(sent.eventId);

    const eve = (await h.slash('audit', { user: 'U5' })).json.text;
    expect(eve).toBe('Only Threadwise admins (`limits.admins`) can read the audit trail.');

    // Grace is an admin through the @leads user group.
    const text = (await h.slash('audit <@U5> 7d', { user: 'U2' })).json.text!;
    expect(text).toContain('*Audit trail* for <@U5> in the last 168 h: 2 records');
    const lines = text.split('\n').slice(1);
    expect(lines[0]).toMatch(
      /^• \d{4}-\d\d-\d\d \d\d:\d\d UTC <@U5> \*tool_call\* `lookup_ticket` \{"ticket_id":"HR-7"\} — \*denied\* \(access: not an agent, not a project of this channel, not the requester\), \d+ chars in #C0SUP1$/,
    );
    expect(lines[1]).toContain('`search_tickets` {"query":"salary of [REDACTED_EMAIL]","status":null} — *allowed*');
    expect(text).not.toContain('cfo@example.com');
    expect((await h.slash('audit here 24h', { user: 'U2', channel: 'C0ELSE' })).json.text).toBe(
      'No audit records in #C0ELSE in the last 24 h.',
    );
    expect((await h.slash('audit yesterday', { user: 'U2' })).json.text).toContain('I don’t understand `yesterday`');

    // The compliance export: JSON lines of the same records.
    const cli = new CliRunner({
      REDIS_URL,
      THREADWISE_CONFIG: h.configPath,
      OPENAI_API_KEY: 'sk-test-fake-openai-key-0123456789',
    });
    const out = await cli.run(['audit', 'export', '--since', '30d']);
    expect(out.code).toBe(0);
    const records = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toEqual([
      expect.objectContaining({
        action: 'tool_call',
        actor: 'U5',
        teamId: h.slack.teamId,
        channel: 'C0SUP1',
        tool: 'lookup_ticket',
        args: { ticket_id: 'HR-7' },
        decision: 'denied',
        outcome: 'not_permitted',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      }),
      expect.objectContaining({
        tool: 'search_tickets',
        decision: 'allowed',
        args: expect.objectContaining({ query: 'salary of [REDACTED_EMAIL]' }),
      }),
    ]);
    expect(out.stderr).toContain('2 audit records from the last 30 days');
  });

  it('records approvals and ticket creations, and forget-me removes the person’s records but notes the run', async () => {
    await started();
    h.openai.enqueue(
      {
        kind: 'function_calls',
        calls: [
          {
            name: 'create_ticket',
            arguments: '{"title":"VPN down","description":"Cannot connect since 9am","priority":"high"}',
          },
        ],
      },
      { kind: 'text', text: 'Please approve the ticket.' },
    );
    const sent = await h.mention({ user: 'U1', text: 'open a ticket: VPN down' });
    await h.turnFinished(sent.eventId);
    const threadTs = h.slack.messages('C0SUP1')[0]!.ts;
    const card = h
      .replies('C0SUP1', threadTs)
      .find((m) => JSON.stringify(m.blocks ?? []).includes('tw_ticket_approve'))!;
    const actions = (card.blocks as Array<{ type: string; elements?: Array<{ value: string }> }>).find(
      (b) => b.type === 'actions',
    )!;
    const payload = (user: string) =>
      blockActionPayload({
        user,
        channel: 'C0SUP1',
        message_ts: card.ts,
        thread_ts: threadTs,
        action_id: 'tw_ticket_approve',
        value: actions.elements![0]!.value,
      });
    // Grace may not approve Ada's ticket: recorded as a denied approval.
    await h.interact(payload('U2'));
    await h.interact(payload('U1'));
    await h.waitForLog((l) => l.msg === 'approved ticket created');
    const text = (await h.slash('audit <@U1>', { user: 'U2' })).json.text!;
    expect(text).toContain('*tool_call* `create_ticket`');
    expect(text).toMatch(/\*approval\* created/);
    const graceDenied = (await h.slash('audit <@U2>', { user: 'U2' })).json.text!;
    expect(graceDenied).toMatch(/\*approval\* denied \(only the asker may approve their ticket\)/);
    expect(text).toMatch(/\*ticket_created\* created .*"project":"SUP"/);

    const forgot = (await h.slash('forget-me', { user: 'U1' })).json.text!;
    expect(forgot).toContain('• 3 audit records of what I did for you');
    const after = (await h.slash('audit <@U1>', { user: 'U2' })).json.text!;
    expect(after).toContain('1 record');
    expect(after).toContain('*forget_me* done');
    expect(after).not.toContain('create_ticket');
  });
});
