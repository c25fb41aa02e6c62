import { afterEach, describe, expect, it } from 'vitest';
import { messageActionPayload } from '../fakes/slack-events.js';
import { Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.stop());

const ephemeralsFor = (user: string, channel?: string) =>
  h.slack.ephemerals().filter((e) => e.user === user && (channel === undefined || e.channel === channel));
const answered = () => h.parsedLogs().filter((l) => l.msg === 'turn finished').length;

describe('where the bot may speak (access.allowed_channels)', () => {
  it('tells whoever mentions it outside the allowed channels, privately, once, and does nothing else', async () => {
    h = await new Harness({ yaml: 'access:\n  allowed_channels:\n    ids: [C0SUP1]\n' }).start();
    await h.mention({ channel: 'C0OTHER', text: 'are you there?' });
    await h.settled();
    expect(ephemeralsFor('U1', 'C0OTHER').map((e) => e.text)).toEqual([
      'I’m not set up to answer in this channel. Ask your Slack admin which channels I serve.',
    ]);
    expect(h.openai.responsesRequests()).toHaveLength(0);
    expect(h.slack.messages('C0OTHER').filter((m) => m.user === h.slack.botUserId)).toEqual([]);
    // Listed: answered as before.
    h.openai.enqueue({ kind: 'text', text: 'Here.' });
    const ok = await h.mention({ channel: 'C0SUP1', text: 'are you there?' });
    await h.turnFinished(ok.eventId);
  });

  it('serves public channels with public: true, and stays out of Slack Connect channels with shared: false', async () => {
    h = await new Harness({
      yaml: 'access:\n  allowed_channels:\n    ids: [C0CONNECT]\n    public: true\n    shared: false\n',
      slack: {
        channels: {
          C0PUBLIC: { name: 'help' },
          C0SECRET: { name: 'secret', is_private: true },
          C0CONNECT: { name: 'acme-shared', is_ext_shared: true },
        },
      },
    }).start();
    h.openai.enqueue({ kind: 'text', text: 'Hello, public.' });
    const pub = await h.mention({ channel: 'C0PUBLIC', text: 'hi' });
    await h.turnFinished(pub.eventId);
    await h.mention({ channel: 'C0SECRET', text: 'hi' });
    await h.mention({ channel: 'C0CONNECT', text: 'hi' });
    await h.settled();
    expect(answered()).toBe(1);
    expect(ephemeralsFor('U1', 'C0SECRET')).toHaveLength(1);
    expect(ephemeralsFor('U1', 'C0CONNECT')).toHaveLength(1);
    // One conversations.info per channel: the facts are cached.
    await h.mention({ channel: 'C0SECRET', text: 'again' });
    await h.settled();
    const infos = h.slack.callsTo('conversations.info').filter((c) => c.args.channel === 'C0SECRET');
    expect(infos).toHaveLength(1);
  });

  it('answers no direct messages with dms: false', async () => {
    h = await new Harness({ yaml: 'access:\n  dms: false\n' }).start();
    await h.message({ channel: 'D0ADA', text: 'hello?' });
    await h.settled();
    expect(ephemeralsFor('U1', 'D0ADA').map((e) => e.text)).toEqual([
      'I don’t answer direct messages in this workspace. Please ask me in a channel I serve.',
    ]);
    expect(h.openai.responsesRequests()).toHaveLength(0);
  });

  it('tells a Japanese user in Japanese that direct messages are not answered', async () => {
    h = await new Harness({ yaml: 'access:\n  dms: false\n' }).start();
    h.slack.addUser('U1', { name: 'yui', real_name: 'Yui Tanaka', display_name: 'Yui', locale: 'ja-JP' });
    await h.message({ channel: 'D0ADA', text: 'こんにちは' });
    await h.settled();
    expect(ephemeralsFor('U1', 'D0ADA').map((e) => e.text)).toEqual([
      'このワークスペースではダイレクトメッセージには回答しません。私が対応しているチャンネルで質問してください。',
    ]);
  });

  it('refuses /threadwise ask and the message shortcuts there the same way', async () => {
    h = await new Harness({ yaml: 'access:\n  allowed_channels:\n    ids: [C0SUP1]\n' }).start();
    const note = 'I’m not set up to answer in this channel. Ask your Slack admin which channels I serve.';
    expect((await h.slash('ask what now?', { channel: 'C0OTHER' })).json.text).toBe(note);
    for (const callback_id of ['triage_message', 'summarize_thread', 'ask_about_message'])
      await h.interact(
        messageActionPayload({
          callback_id,
          user: 'U1',
          channel: 'C0OTHER',
          message: { ts: '1700000000.000100', text: 'the printer is on fire' },
          responseUrl: h.slack.responseUrl(),
        }),
      );
    await h.until(() => h.slack.hookMessages.length === 3, 'three refusals');
    expect(h.slack.hookMessages.map((m) => m.body.text)).toEqual([note, note, note]);
    await h.settled();
    expect(h.slack.callsTo('views.open')).toHaveLength(0);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(h.openai.responsesRequests()).toHaveLength(0);
  });

  it('invited into a channel it may not serve, tells the inviter once (Slack retries included)', async () => {
    h = await new Harness({ yaml: 'access:\n  allowed_channels:\n    ids: [C0SUP1]\n' }).start();
    const joined = {
      type: 'member_joined_channel',
      user: h.slack.botUserId,
      channel: 'C0RANDOM',
      channel_type: 'C',
      team: h.slack.teamId,
      inviter: 'U2',
      event_ts: '1700000000.000200',
    };
    await h.send(joined);
    await h.send(joined, { retryNum: 1, retryReason: 'http_timeout' });
    // Someone else joining is none of the bot's business.
    await h.send({ ...joined, user: 'U1', event_ts: '1700000000.000300' });
    await h.until(() => ephemeralsFor('U2').length > 0, 'the note to the inviter');
    expect(ephemeralsFor('U2', 'C0RANDOM').map((e) => e.text)).toEqual([
      expect.stringContaining('I’m not set up to answer in this channel'),
    ]);
    expect(ephemeralsFor('U1')).toEqual([]);
  });
});

describe('user groups in the settings', () => {
  it('resolves @handles and S… ids, and follows membership changes Slack announces', async () => {
    h = await new Harness({ yaml: "access:\n  channels:\n    C0SUP1:\n      users: ['@support', U9]\n" });
    h.slack.setUserGroup('S0SUPPORT', { handle: 'support', users: ['U1'] });
    await h.start();
    h.openai.enqueue({ kind: 'text', text: 'Hi Ada.' });
    const ada = await h.mention({ text: 'hello', user: 'U1' });
    await h.turnFinished(ada.eventId);
    await h.mention({ text: 'hello', user: 'U2' });
    await h.settled();
    expect(ephemeralsFor('U2', 'C0SUP1').map((e) => e.text)).toEqual([
      expect.stringContaining('I only answer certain people in this channel'),
    ]);
    // Grace joins the group in Slack: the event refreshes the cached members.
    const changed = h.slack.setUserGroup('S0SUPPORT', { handle: 'support', users: ['U1', 'U2'] });
    await h.send(changed);
    await h.waitForLog((l) => l.msg === 'user group refreshed' && l.group === 'S0SUPPORT');
    h.openai.enqueue({ kind: 'text', text: 'Hi Grace.' });
    const grace = await h.mention({ text: 'hello again', user: 'U2' });
    await h.turnFinished(grace.eventId);
    expect(h.slack.callsTo('usergroups.list')).toHaveLength(1);
    expect(h.slack.callsTo('usergroups.users.list').map((c) => c.args.usergroup)).toEqual(['S0SUPPORT']);
  });

  it('names nobody through a group when the app lacks usergroups:read, and says why in the log', async () => {
    const scopes = ['app_mentions:read', 'chat:write', 'commands', 'channels:read', 'channels:history', 'users:read'];
    h = await new Harness({ yaml: 'access:\n  channels:\n    C0SUP1:\n      users: [S0SUPPORT]\n', slack: { scopes } });
    h.slack.setUserGroup('S0SUPPORT', { handle: 'support', users: ['U1'] });
    await h.start();
    await h.mention({ text: 'hello', user: 'U1' });
    await h.settled();
    expect(ephemeralsFor('U1', 'C0SUP1')).toHaveLength(1);
    const line = await h.waitForLog((l) => String(l.msg).startsWith('cannot read user groups'));
    expect(JSON.stringify(line)).toContain('missing_scope');
  });
});

describe('changes without a restart', () => {
  it('applies a changed settings file to the next question, and keeps the old one when the new file is bad', async () => {
    h = await new Harness({ yaml: 'defaults:\n  instructions: You are the first persona.\n' }).start();
    h.openai.enqueue({ kind: 'text', text: 'one' }, { kind: 'text', text: 'two' }, { kind: 'text', text: 'three' });
    const first = await h.mention({ text: 'q1' });
    await h.turnFinished(first.eventId);
    const instructions = (i: number) => String(h.openai.responsesRequests()[i]!.body.instructions);
    expect(instructions(0)).toContain('first persona');

    h.editConfig({ yaml: 'defaults:\n  instructions: You are the second persona.\n' });
    await h.waitForLog((l) => l.msg === 'settings reloaded');
    const second = await h.mention({ text: 'q2' });
    await h.turnFinished(second.eventId);
    expect(instructions(1)).toContain('second persona');

    h.editConfig({ raw: `${h.prefixYaml}defaults:\n  max_output_tokens: 5\n  temprature: 2\n` });
    const refused = await h.waitForLog((l) => String(l.msg).startsWith('settings file refused'));
    expect(refused.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/defaults\.max_output_tokens .*16/),
        expect.stringMatching(/defaults .*temprature/),
      ]),
    );
    const third = await h.mention({ text: 'q3' });
    await h.turnFinished(third.eventId);
    expect(instructions(2)).toContain('second persona');
  });

  it('reloads on SIGHUP, and tells the admins by DM exactly what is wrong with a refused file', async () => {
    h = await new Harness({ yaml: 'limits:\n  admins: [U2]\n' }).start();
    h.editConfig({ raw: `${h.prefixYaml}limits:\n  admins: [U2]\nchannels:\n  general: {}\n` });
    await h.waitForLog((l) => String(l.msg).startsWith('settings file refused'));
    await h.until(() => h.slack.messages('D02').length > 0, 'the DM to the admin');
    const dm = h.slack.messages('D02')[0]!;
    expect(dm.text).toContain('I could not reload my settings file');
    expect(dm.text).toContain('channels.general is not a valid key: channel ids look like C0123ABCD');
    h.editConfig({ yaml: 'limits:\n  admins: [U2]\n' });
    await h.waitForLog((l) => l.msg === 'settings reloaded' && l.reason === 'file changed');
    process.kill(process.pid, 'SIGHUP');
    await h.waitForLog((l) => l.msg === 'settings reloaded' && l.reason === 'signal');
  });
});
