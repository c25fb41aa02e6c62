import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { storeKeys } from '../../src/platform/store/keys.js';
import { appHomeOpened, messageEvent } from '../fakes/slack-events.js';
import { type Harness, REDIS_URL } from './harness.js';
import { toolHarness } from './tool-setup.js';

let h: Harness;
afterEach(async () => h?.stop());

const YAML = "limits:\n  admins: ['@leads']\n";
const GERMAN_OPENED = 'Die Einstellungen dieses Channels sind geöffnet.';
const GERMAN_NOT_ADMIN = 'Nur Threadwise-Admins (`limits.admins`) können meine Einstellungen in Slack ändern.';

async function started(yaml = YAML): Promise<Harness> {
  h = toolHarness({ yaml });
  h.slack.setUserGroup('S0LEADS', { handle: 'leads', users: ['U2'] });
  return h.start();
}

/** Opens the modal as `user` in C0SUP1 and returns the opened view. */
async function openModal(user = 'U2') {
  const res = await h.slash('admin channel', { user });
  expect(res.json.text).toBe('Opened this channel’s settings.');
  return h.slack.openedViews().at(-1)!;
}

describe('/threadwise admin channel', () => {
  it('changes the channel’s model, persona and tools for the next question, recorded with who and when', async () => {
    await started();
    const view = await openModal();
    expect(view.callback_id).toBe('tw_admin_channel');
    const blocks = view.blocks as Array<{ block_id?: string; element?: Record<string, unknown> }>;
    expect(blocks.find((b) => b.block_id === 'model')!.element!.initial_value).toBe('gpt-4o');

    const submit = h.slack.viewSubmission(String(view.id), 'U2', {
      model: 'gpt-4o-mini',
      instructions: 'You are the support desk of Acme. Answer in two sentences.',
      tools: ['lookup_ticket'],
      image_detail: 'low',
    });
    const res = await h.interact(submit);
    expect(res.status).toBe(200);
    await h.waitForLog((l) => l.msg === 'channel settings changed from Slack');

    h.openai.enqueue({ kind: 'text', text: 'Short answer.' });
    const asked = await h.mention({ text: 'hello' });
    await h.turnFinished(asked.eventId);
    const body = h.openai.responsesRequests()[0]!.body as {
      model: string;
      instructions: string;
      tools?: Array<{ name?: string }>;
    };
    expect(body.model).toBe('gpt-4o-mini');
    expect(body.instructions).toContain('support desk of Acme');
    expect((body.tools ?? []).map((t) => t.name)).toEqual(['lookup_ticket']);

    // Stored in Redis for every replica, with the history.
    const redis = new Redis(REDIS_URL);
    const stored = JSON.parse((await redis.hget(`${h.prefix}channel-overrides`, 'C0SUP1')) ?? '{}');
    await redis.quit();
    expect(stored.settings).toEqual({
      model: 'gpt-4o-mini',
      instructions: 'You are the support desk of Acme. Answer in two sentences.',
      tools: ['lookup_ticket'],
      image_detail: 'low',
    });
    expect(stored.history).toEqual([
      expect.objectContaining({
        by: 'U2',
        at: expect.any(Number),
        fields: expect.objectContaining({ model: { to: 'gpt-4o-mini' } }),
      }),
    ]);

    // The audit trail and the admins' App Home show it.
    expect((await h.slash('audit', { user: 'U2' })).json.text).toMatch(
      /<@U2> \*admin_change\* saved .*"model":\{"to":"gpt-4o-mini"\}/,
    );
    await h.send(appHomeOpened({ user: 'U2', channel: 'D02', tab: 'home' }));
    await h.until(() => h.slack.publishedHome('U2') !== undefined, 'the home tab');
    const home = JSON.stringify(h.slack.publishedHome('U2'));
    expect(home).toContain('Channel settings changed from Slack');
    expect(home).toContain('#C0SUP1 — instructions: You are the support desk');
    expect(home).toContain('last change by <@U2>');
    await h.send(appHomeOpened({ user: 'U1', channel: 'D01', tab: 'home' }));
    await h.until(() => h.slack.publishedHome('U1') !== undefined, 'the home tab for Ada');
    expect(JSON.stringify(h.slack.publishedHome('U1'))).not.toContain('Channel settings changed');

    // Back to the file's model: that override goes, the others stay; a file change reaches it again.
    const again = await openModal();
    await h.interact(h.slack.viewSubmission(String(again.id), 'U2', { model: 'gpt-4o' }));
    await h.until(
      () => h.parsedLogs().filter((l) => l.msg === 'channel settings changed from Slack').length === 2,
      'the second change',
    );
    h.editConfig({ yaml: `${YAML}defaults:\n  model: gpt-4o-2024-11-20\n` });
    await h.waitForLog((l) => l.msg === 'settings reloaded');
    h.openai.enqueue({ kind: 'text', text: 'ok' });
    const next = await h.mention({ text: 'and now?' });
    await h.turnFinished(next.eventId);
    const second = h.openai.responsesRequests()[1]!.body as { model: string; instructions: string };
    expect(second.model).toBe('gpt-4o-2024-11-20');
    expect(second.instructions).toContain('support desk of Acme');
  });

  it('is for admins only, and shows a bad value next to its field', async () => {
    await started();
    expect((await h.slash('admin channel', { user: 'U1' })).json.text).toBe(
      'Only Threadwise admins (`limits.admins`) can change my settings from Slack.',
    );
    expect(h.slack.callsTo('views.open')).toHaveLength(0);
    const view = await openModal();
    // Grace stops being an admin while the form is open.
    await h.send(h.slack.setUserGroup('S0LEADS', { handle: 'leads', users: [] }));
    await h.waitForLog((l) => l.msg === 'user group refreshed');
    const res = await h.interact(h.slack.viewSubmission(String(view.id), 'U2', { model: 'gpt-4o-mini' }));
    expect(res.json).toEqual({
      response_action: 'errors',
      errors: { model: 'Only Threadwise admins (`limits.admins`) can change my settings from Slack.' },
    });
  });
});

describe('/threadwise admin channel in the admin’s language', () => {
  it('opens in German for a German admin, and refuses a bad value and a lost admin right in German', async () => {
    await started();
    h.slack.addUser('U2', { name: 'grace', real_name: 'Grace Hopper', display_name: 'Grace', locale: 'de-DE' });
    const res = await h.slash('admin channel', { user: 'U2' });
    expect(res.json.text).toBe(GERMAN_OPENED);
    const view = h.slack.openedViews().at(-1)!;
    expect(view.title).toEqual({ type: 'plain_text', text: 'Channel-Einstellungen' });
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('Einstellungen für #C0SUP1.');
    expect(text).toContain('Nie selbst antworten; übergeben');
    expect(text).not.toContain('Image detail');

    const bad = await h.interact(
      h.slack.viewSubmission(String(view.id), 'U2', { desk_mode: 'manual', oncall: 'ops-team' }),
    );
    expect(bad.json).toEqual({
      response_action: 'errors',
      errors: {
        oncall:
          'Nenne Personen per Benutzer-ID (U0123ABCD), Benutzergruppen-ID (S0123ABCD) oder @Handle, durch Leerzeichen getrennt.',
      },
    });
    await h.send(h.slack.setUserGroup('S0LEADS', { handle: 'leads', users: [] }));
    await h.waitForLog((l) => l.msg === 'user group refreshed');
    const refused = await h.interact(h.slack.viewSubmission(String(view.id), 'U2', { model: 'gpt-4o-mini' }));
    expect(refused.json).toEqual({ response_action: 'errors', errors: { model: GERMAN_NOT_ADMIN } });
  });
});

describe('/threadwise admin channel: the help desk', () => {
  it('turns a desk on for the channel without a restart, and its escalation mentions on-call named by @handle', async () => {
    await started();
    h.slack.setUserGroup('S0ONCALL', { handle: 'oncall', users: ['U7'] });
    // The gate is unsure of every question: the desk stays silent and the SLA clock runs.
    h.openai.setDefault((req) =>
      req.body?.text?.format?.name === 'desk_judgement'
        ? { kind: 'json', value: { answerable: false }, logprobs: { false: { false: 0.9, true: 0.1 } } }
        : { kind: 'text', text: 'unused' },
    );
    const view = await openModal();
    const res = await h.interact(
      h.slack.viewSubmission(String(view.id), 'U2', {
        desk_mode: 'auto',
        min_confidence: '0.8',
        oncall: '@oncall',
        sla_minutes: '0.05',
      }),
    );
    expect(res.status).toBe(200);
    await h.waitForLog((l) => l.msg === 'channel settings changed from Slack');

    const question = messageEvent({ user: 'U1', channel: 'C0SUP1', text: 'Is the VPN down for everyone?' });
    await h.send(question);
    await h.waitForLog((l) => l.msg === 'desk SLA clock started');
    const escalation = await h.waitForLog((l) => l.msg === 'desk SLA escalation' && l.level === 1, 60_000);
    expect(escalation.level).toBe(1);
    const posted = h
      .replies('C0SUP1', String(question.ts))
      .filter((m) => m.user === h.slack.botUserId && m.ts !== question.ts);
    expect(posted.map((m) => m.text)).toEqual([expect.stringContaining('<!subteam^S0ONCALL>')]);

    // Turned off again from the modal: the override goes, and the channel follows the file (no desk) again.
    const again = await openModal();
    await h.interact(h.slack.viewSubmission(String(again.id), 'U2', { desk_mode: 'off' }));
    await h.until(
      () => h.parsedLogs().filter((l) => l.msg === 'channel settings changed from Slack').length === 2,
      'the second change',
    );
    const redis = new Redis(REDIS_URL);
    const stored = JSON.parse((await redis.hget(`${h.prefix}channel-overrides`, 'C0SUP1')) ?? '{}');
    await redis.quit();
    expect(stored.settings).toEqual({});
  });
});

describe('/threadwise retention', () => {
  it('tells admins how long each kind of data is kept, per channel, and keeps a channel’s threads that long', async () => {
    await started(
      `${YAML}state:\n  ttl_days: 30\n  channels:\n    C0SUP1: { ttl_days: 2 }\naudit:\n  retention_days: 60\n`,
    );
    const text = (await h.slash('retention', { user: 'U2' })).json.text!;
    expect(text).toContain('Conversations (messages, answers, files, tool results): 30 days after the last message');
    expect(text).toContain('◦ #C0SUP1: 2 days (this channel)');
    expect(text).toContain('Audit records: 60 days');
    expect((await h.slash('retention', { user: 'U1' })).json.text).toContain('Only Threadwise admins');

    h.openai.enqueue({ kind: 'text', text: 'one' }, { kind: 'text', text: 'two' });
    const here = await h.mention({ text: 'short-lived' });
    await h.turnFinished(here.eventId);
    const dm = await h.message({ channel: 'D0ADA', text: 'long-lived' });
    await h.turnFinished(dm.eventId);
    const redis = new Redis(REDIS_URL);
    const ttlOf = async (channel: string) => {
      const [key] = await redis.keys(storeKeys(h.prefix).thread({ teamId: h.slack.teamId, channel, threadTs: '*' }));
      return redis.ttl(key!);
    };
    expect(await ttlOf('C0SUP1')).toBeGreaterThan(2 * 86_400 - 60);
    expect(await ttlOf('C0SUP1')).toBeLessThanOrEqual(2 * 86_400);
    expect(await ttlOf('D0ADA')).toBeGreaterThan(29 * 86_400);
    await redis.quit();
  });
});
