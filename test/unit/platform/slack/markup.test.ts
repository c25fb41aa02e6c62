import { describe, expect, it } from 'vitest';
import { type MarkupLookups, resolveSlackMarkup } from '../../../../src/platform/slack/markup.js';

const BOT = 'UBOT';

function directory(users: Record<string, string> = {}, channels: Record<string, string> = {}) {
  const calls: string[] = [];
  const lookups: MarkupLookups = {
    async userName(id) {
      calls.push(`user:${id}`);
      return users[id];
    },
    async channelName(id) {
      calls.push(`channel:${id}`);
      return channels[id];
    },
  };
  return { lookups, calls };
}

const resolve = (text: string, d = directory(), botName?: string): Promise<string> =>
  resolveSlackMarkup(text, d.lookups, { botUserId: BOT, ...(botName ? { botName } : {}) });

describe('resolveSlackMarkup', () => {
  it('plain text passes through, trimmed', async () => {
    expect(await resolve('  what is our refund policy?  ')).toBe('what is our refund policy?');
  });

  it('the model sees people by name, not by ID', async () => {
    const d = directory({ U123: 'Ada Lovelace', W999: 'Grace Hopper' });
    expect(await resolve('ask <@U123> and <@W999> about it', d)).toBe('ask @Ada Lovelace and @Grace Hopper about it');
  });

  it('a mention that already carries a name uses it without a lookup', async () => {
    const d = directory();
    expect(await resolve('cc <@U123|ada>', d)).toBe('cc @ada');
    expect(d.calls).toEqual([]);
  });

  it('an unknown person or a failed lookup falls back to the ID', async () => {
    expect(await resolve('ping <@U404>')).toBe('ping @U404');
    const failing: MarkupLookups = {
      userName: () => Promise.reject(new Error('users_not_found')),
      channelName: () => {
        throw new Error('sync failure');
      },
    };
    expect(await resolveSlackMarkup('<@U1> in <#C1>', failing, { botUserId: BOT })).toBe('@U1 in #C1');
  });

  it('the mention that addresses the bot is dropped, with the colon after it', async () => {
    expect(await resolve('<@UBOT> summarise this thread')).toBe('summarise this thread');
    expect(await resolve('  <@UBOT>: summarise')).toBe('summarise');
    expect(await resolve('<@UBOT>, please help')).toBe('please help');
    expect(await resolve('<@UBOT> :wave: hi')).toBe(':wave: hi');
    expect(await resolve('<@UBOT>')).toBe('');
  });

  it('a mention of the bot later in the message reads as its name', async () => {
    expect(await resolve('what does <@UBOT> know?')).toBe('what does @Threadwise know?');
    expect(await resolve('<@UBOT> is <@UBOT> there?')).toBe('is @Threadwise there?');
    expect(await resolve('hey <@UBOT|threadwise>', directory(), 'Helper')).toBe('hey @Helper');
  });

  it('the bot is never looked up', async () => {
    const d = directory();
    await resolve('<@UBOT> and <@UBOT>', d);
    expect(d.calls).toEqual([]);
  });

  it('channels read as #name, looking the name up only when Slack left it out', async () => {
    const d = directory({}, { C2: 'random', C3: 'ops' });
    expect(await resolve('see <#C1|general>, <#C2> and <#C3|>', d)).toBe('see #general, #random and #ops');
    expect(d.calls.sort()).toEqual(['channel:C2', 'channel:C3']);
    expect(await resolve('in <#C404>')).toBe('in #C404');
  });

  it('links show their label and the address, or just the address when they are the same', async () => {
    expect(await resolve('read <https://x.y/doc|the doc>')).toBe('read the doc (https://x.y/doc)');
    expect(await resolve('<https://x.y/doc|https://x.y/doc>')).toBe('https://x.y/doc');
    expect(await resolve('<http://example.com|example.com>')).toBe('http://example.com');
    expect(await resolve('go to <https://x.y/a?b=1&amp;c=2>')).toBe('go to https://x.y/a?b=1&c=2');
  });

  it('e-mail links read as the address', async () => {
    expect(await resolve('mail <mailto:a@b.c|a@b.c>')).toBe('mail a@b.c');
    expect(await resolve('<mailto:a@b.c>')).toBe('a@b.c');
    expect(await resolve('<mailto:help@b.c|the help desk>')).toBe('the help desk (help@b.c)');
  });

  it('broadcasts and user groups read as @here, @channel, @everyone and @team', async () => {
    expect(await resolve('<!here> <!channel> <!everyone> <!here|here>')).toBe('@here @channel @everyone @here');
    expect(await resolve('<!subteam^S123|@oncall> help')).toBe('@oncall help');
    expect(await resolve('<!subteam^S123>')).toBe('@S123');
  });

  it('dates read as the fallback text the sender provided', async () => {
    expect(await resolve('due <!date^1392734382^{date_short}|Feb 18, 2014>')).toBe('due Feb 18, 2014');
    expect(await resolve('<!date^1392734382^{date_short}>')).toBe('2014-02-18T14:39:42.000Z');
  });

  it('escaped characters come back as typed, and &amp;lt; stays a literal &lt;', async () => {
    expect(await resolve('if a &lt; b &amp;&amp; c &gt; d')).toBe('if a < b && c > d');
    expect(await resolve('write &amp;lt; in HTML')).toBe('write &lt; in HTML');
    expect(await resolve('<https://x.y|Q&amp;A &lt;2&gt;>')).toBe('Q&A <2> (https://x.y)');
  });

  it('names from the directory are inserted as they are, not unescaped again', async () => {
    const d = directory({ U1: 'Tom &amp; Jerry' });
    expect(await resolve('<@U1>', d)).toBe('@Tom &amp; Jerry');
  });

  it('each person and channel is looked up once, all at the same time', async () => {
    const pending: Array<() => void> = [];
    let started = 0;
    const slow = (name: string) => (): Promise<string> => {
      started++;
      return new Promise((resolveName) => pending.push(() => resolveName(name)));
    };
    const calls: string[] = [];
    const lookups: MarkupLookups = {
      userName: (id) => (calls.push(id), slow(`name-${id}`)()),
      channelName: (id) => (calls.push(id), slow(`chan-${id}`)()),
    };
    const result = resolveSlackMarkup('<@U1> <@U2> <@U1> <#C1> <#C1> <@U2>', lookups, { botUserId: BOT });
    await new Promise((r) => setImmediate(r));
    // All lookups are in flight before any has answered.
    expect(started).toBe(3);
    expect(calls.sort()).toEqual(['C1', 'U1', 'U2']);
    for (const finish of pending) finish();
    expect(await result).toBe('@name-U1 @name-U2 @name-U1 #chan-C1 #chan-C1 @name-U2');
  });

  it('a realistic message reads naturally', async () => {
    const d = directory({ U7: 'Priya' }, { C9: 'incidents' });
    const text =
      '<@UBOT> can you check what <@U7> posted in <#C9> about <https://status.x.y|the outage> &amp; tell <!here>?';
    expect(await resolve(text, d)).toBe(
      'can you check what @Priya posted in #incidents about the outage (https://status.x.y) & tell @here?',
    );
  });
});
