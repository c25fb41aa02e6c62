import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startingStatus } from '../../../../src/features/answering/turn-presence.js';
import { ThreadStatus } from '../../../../src/platform/slack/thread-status.js';
import { InProcessSlack } from '../../../support/in-process-slack.js';

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
    const starting = startingStatus([{ id: 'F1', name: 'shot.png', mimetype: 'image/png' }], configured);
    expect(starting.loading).toHaveLength(11);
    status.show(starting.text, starting.loading);
    await vi.runAllTimersAsync();
    const [call] = slack.callsTo('assistant.threads.setStatus');
    expect(call!.error).toBeUndefined();
    expect(call!.ok).toBe(true);
    expect(call!.args.loading_messages).toEqual(['Reading your screenshot…', ...configured.slice(0, 9)]);
  });
});
