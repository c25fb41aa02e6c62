import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startingStatus } from '../../../../src/features/answering/turn-presence.js';
import { ThreadStatus } from '../../../../src/platform/slack/thread-status.js';
import { InProcessSlack } from '../../../support/in-process-slack.js';
import { en } from '../../../support/translators.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the status under a thread', () => {
  it('asks Slack to rotate at most 10 loading messages, even with 10 configured and a screenshot to read', async () => {
    const slack = new InProcessSlack({ channels: { C1: { name: 'general' } } });
    const status = new ThreadStatus(slack.client, { channel: 'C1', threadTs: '1.0' }, pino({ level: 'silent' }));
    const configured = Array.from({ length: 10 }, (_, i) => `Thinking ${i}…`);
    const starting = startingStatus(en, [{ id: 'F1', name: 'shot.png', mimetype: 'image/png' }], configured);
    expect(starting.loading).toHaveLength(11);
    status.show(starting.text, starting.loading);
    await vi.runAllTimersAsync();
    const [call] = slack.callsTo('assistant.threads.setStatus');
    expect(call!.error).toBeUndefined();
    expect(call!.ok).toBe(true);
    expect(call!.args.loading_messages).toEqual(['Reading your screenshot…', ...configured.slice(0, 9)]);
  });

  it('spends no call clearing a status the answer replaced, but clears one set under a streaming answer', async () => {
    const slack = new InProcessSlack({ channels: { C1: { name: 'general' } } });
    const log = pino({ level: 'silent' });
    const statuses = () => slack.callsTo('assistant.threads.setStatus').map((c) => c.args.status);

    const before = new ThreadStatus(slack.client, { channel: 'C1', threadTs: '1.0' }, log);
    before.show('is thinking…');
    await vi.runAllTimersAsync();
    before.replacedByReply();
    await before.clear();
    expect(statuses()).toEqual(['is thinking…']);

    const after = new ThreadStatus(slack.client, { channel: 'C1', threadTs: '2.0' }, log);
    after.show('is thinking…');
    await vi.runAllTimersAsync();
    after.replacedByReply();
    after.show('is looking up SUP-101…', undefined, true);
    await vi.runAllTimersAsync();
    await after.clear();
    expect(statuses()).toEqual(['is thinking…', 'is thinking…', 'is looking up SUP-101…', '']);
  });
});
