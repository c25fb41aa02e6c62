import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { collectThreads, compareTs, isContent } from '../../../../src/features/offline/batch/collect.js';
import { FakeSlack } from '../../../fakes/slack-api.js';

let slack: FakeSlack;
afterEach(async () => slack?.close());

describe('collecting a channel for triage', () => {
  it('follows history and replies cursors page by page, oldest thread first', async () => {
    slack = new FakeSlack({ channels: { C1: { name: 'support' } } });
    const client = new WebClient(slack.botToken, { slackApiUrl: await slack.start(), rejectRateLimitedCalls: true });
    const base = Math.floor(Date.now() / 1000) - 1000;
    const roots = [0, 1, 2, 3, 4].map((i) =>
      slack.addMessage('C1', { user: 'U1', text: `report ${i}`, ts: `${base + i * 10}.000100` }),
    );
    for (let r = 0; r < 5; r++)
      slack.addMessage('C1', { user: 'U2', text: `reply ${r}`, ts: `${base + 2}.00010${r}`, thread_ts: roots[0]! });
    const threads = await collectThreads(client, { channel: 'C1', oldest: base, pageSize: 2 });
    expect(threads.map((t) => t.messages[0]!.text)).toEqual([
      'report 0',
      'report 1',
      'report 2',
      'report 3',
      'report 4',
    ]);
    expect(threads[0]!.messages.map((m) => m.text)).toEqual([
      'report 0',
      'reply 0',
      'reply 1',
      'reply 2',
      'reply 3',
      'reply 4',
    ]);
    expect(slack.callsTo('conversations.history')).toHaveLength(3);
    expect(slack.callsTo('conversations.replies')).toHaveLength(3);
    expect(slack.callsTo('conversations.history')[1]!.args.cursor).toBeTruthy();
  });

  it('skips channel bookkeeping, empty messages and the bot itself', () => {
    expect(isContent({ ts: '1.0', subtype: 'channel_join', text: 'joined' })).toBe(false);
    expect(isContent({ ts: '1.0', user: 'UBOT', text: 'my answer' }, 'UBOT')).toBe(false);
    expect(isContent({ ts: '1.0', user: 'U1', text: '  ' })).toBe(false);
    expect(isContent({ ts: '1.0', user: 'U1', text: '', files: [{ id: 'F1', name: 'shot.png' }] })).toBe(true);
    expect(isContent({ ts: '1.0', bot_id: 'B2', subtype: 'bot_message', text: 'Alert: disk full' })).toBe(true);
  });

  it('orders Slack timestamps numerically', () => {
    expect(['10.000001', '9.999999', '10.000010'].sort(compareTs)).toEqual(['9.999999', '10.000001', '10.000010']);
  });
});
