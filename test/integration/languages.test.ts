import { afterEach, describe, expect, it } from 'vitest';
import { appHomeOpened } from '../fakes/slack-events.js';
import { Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.stop());

const CH = 'C0SUP1';
const YUI = { name: 'yui', real_name: 'Yui Tanaka', display_name: 'Yui', locale: 'ja-JP' };
const thread = (hh: Harness) => hh.slack.messages(CH)[0]!.ts;
const replies = (hh: Harness) => hh.replies(CH, thread(hh)).map((m) => m.text);

type InputItem = { type?: string; role?: string; content?: unknown };
const input = (body: { input: InputItem[] }) => body.input;
const roles = (items: InputItem[]) => items.map((i) => i.role ?? i.type);

describe('a person whose Slack is in Japanese', () => {
  it('gets the error notice in Japanese when the model fails', async () => {
    h = await new Harness({ yaml: 'openai:\n  max_retries: 0\n' }).start();
    h.slack.addUser('U7', YUI);
    h.openai.setDefault(() => ({
      kind: 'http_error',
      status: 500,
      error: { message: 'The server had an error', type: 'server_error', code: null },
    }));
    const sent = await h.mention({ user: 'U7', text: 'VPN が切れます' });
    const finished = await h.turnFinished(sent.eventId);
    expect(replies(h).join('\n')).toMatch(/OpenAI からサーバーエラーが返り（HTTP 500）.*（参照 `req_/);
    expect(finished).toMatchObject({ outcome: 'failed', language: 'ja' });
    // The locale came with the name, from the one users.info the turn makes anyway.
    const lookups = h.slack.callsTo('users.info').filter((c) => c.args.user === 'U7');
    expect(lookups).toHaveLength(1);
    expect(String(lookups[0]!.args.include_locale)).toBe('true');
  });

  it('is answered in Japanese through a hint after the cacheable prefix, which stays the same as for anyone else', async () => {
    h = await new Harness().start();
    h.slack.addUser('U7', YUI);
    h.openai.enqueue(
      { kind: 'text', text: 'はい。' },
      { kind: 'text', text: '了解です。' },
      { kind: 'text', text: 'Yes.' },
    );
    const first = await h.mention({ user: 'U7', text: 'VPN が切れます' });
    await h.turnFinished(first.eventId);
    const followUp = await h.message({ user: 'U7', channel: CH, thread_ts: thread(h), text: 'まだ切れます' });
    await h.turnFinished(followUp.eventId);
    const english = await h.mention({ user: 'U1', text: 'my VPN drops' });
    await h.turnFinished(english.eventId);

    const [one, two, other] = h.openai.responsesRequests().map((r) => r.body);
    // The instructions (and tools) are the same for a Japanese and an English asker: the cached prefix is shared.
    expect(one.instructions).toBe(other.instructions);
    expect(one.instructions).not.toContain('Japanese');
    // The hint is a developer message right after the newest question, never before the history.
    expect(roles(input(one))).toEqual(['user', 'developer']);
    expect(JSON.stringify(input(one)[1])).toContain('Japanese (Japan) (ja-JP)');
    expect(roles(input(two))).toEqual(['user', 'assistant', 'user', 'developer']);
    // The next turn's history starts with exactly what the previous request sent before its hint.
    expect(input(two)[0]).toEqual(input(one)[0]);
    // An English asker's request is as it always was: nothing after the question.
    expect(roles(input(other))).toEqual(['user']);
  });

  it('reads slash-command replies and App Home in Japanese', async () => {
    h = await new Harness().start();
    h.slack.addUser('U7', YUI);
    const help = await h.slash('help', { user: 'U7' });
    expect(help.json.text).toContain('*/threadwise* のコマンド:');
    expect(help.json.text).toContain('この DM またはチャンネルでの直近の会話を忘れ');
    // The usage names its argument in Japanese too.
    expect(help.json.text).toContain('`/threadwise ask <質問>`');
    expect((await h.slash('ask', { user: 'U7' })).json.text).toContain('`/threadwise ask <質問>` を使ってください');
    const unknown = await h.slash('frobnicate', { user: 'U7' });
    expect(unknown.json.text).toContain('`frobnicate` というコマンドはありません。');

    await h.send(appHomeOpened({ user: 'U7', channel: 'D0HOME', tab: 'home' }));
    await h.until(() => h.slack.publishedHome('U7') !== undefined, 'views.publish');
    const home = JSON.stringify(h.slack.publishedHome('U7')!.blocks);
    expect(home).toContain('できること');
    expect(home).toContain('すべてのコマンド');
    // Someone else's tab stays in their own language.
    await h.send(appHomeOpened({ user: 'U1', channel: 'D0HOME1', tab: 'home' }));
    await h.until(() => h.slack.publishedHome('U1') !== undefined, 'views.publish');
    expect(JSON.stringify(h.slack.publishedHome('U1')!.blocks)).toContain('What I can do');
  });
});
