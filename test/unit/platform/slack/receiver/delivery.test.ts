import type { App } from '@slack/bolt';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDelivery, type Reply } from '../../../../../src/platform/slack/receiver/delivery.js';
import { shapeOf } from '../../../../../src/platform/slack/receiver/envelope.js';
import {
  everyInstallation,
  singleInstallationGate,
} from '../../../../../src/platform/slack/receiver/installation-gate.js';

const log = pino({ level: 'silent' });

function recordingReply(holdAcks = true) {
  const answers: Array<{ kind: string; response?: unknown }> = [];
  const reply: Reply = {
    ack: async (response) => void answers.push({ kind: 'ack', response }),
    retry: async () => void answers.push({ kind: 'retry' }),
    reject: async () => void answers.push({ kind: 'reject' }),
    unauthorized: async () => void answers.push({ kind: 'unauthorized' }),
    holdAcks,
  };
  return { reply, answers };
}

const fakeApp = (processEvent: (e: { ack: (r?: unknown) => Promise<void> }) => Promise<void>) =>
  ({ processEvent }) as unknown as App;

const event = { type: 'event_callback', team_id: 'T1', event: { type: 'app_mention', text: 'hi' } };

afterEach(() => vi.useRealTimers());

describe('the delivery path', () => {
  it('asks Slack to retry an event whose listeners are still busy at the deadline, and answers only once', async () => {
    vi.useFakeTimers();
    let finish!: () => void;
    const app = fakeApp(() => new Promise<void>((r) => (finish = r)));
    const deliver = createDelivery({
      app: () => app,
      gate: everyInstallation,
      log,
      ackDeadlineMs: 2_000,
      tellUser: vi.fn(),
    });
    const { reply, answers } = recordingReply();
    const done = deliver({ body: event }, reply);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(answers).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(answers).toEqual([{ kind: 'retry' }]);
    finish();
    await vi.runAllTimersAsync();
    expect(answers).toEqual([{ kind: 'retry' }]);
  });

  it('acknowledges an event once its listeners queued the work, with what they acked', async () => {
    const app = fakeApp(async ({ ack }) => ack({ ok: 1 }));
    const deliver = createDelivery({
      app: () => app,
      gate: everyInstallation,
      log,
      ackDeadlineMs: 2_000,
      tellUser: vi.fn(),
    });
    const { reply, answers } = recordingReply();
    await deliver({ body: event }, reply);
    expect(answers).toEqual([{ kind: 'ack', response: { ok: 1 } }]);
  });

  it('refuses what is not an object, acks what Bolt cannot route and tells the clicking user, without calling Bolt', async () => {
    const processEvent = vi.fn();
    const tellUser = vi.fn(async () => undefined);
    const deliver = createDelivery({
      app: () => fakeApp(processEvent),
      gate: everyInstallation,
      log,
      ackDeadlineMs: 2_000,
      tellUser,
    });
    for (const body of [null, [], 'x', 3]) {
      const { reply, answers } = recordingReply();
      await deliver({ body }, reply);
      expect(answers).toEqual([{ kind: 'reject' }]);
    }
    const { reply, answers } = recordingReply();
    await deliver(
      { body: { type: 'block_actions', actions: [{}], user: null, response_url: 'https://hooks.slack.com/x' } },
      reply,
    );
    expect(answers).toEqual([{ kind: 'ack', response: undefined }]);
    expect(tellUser).toHaveBeenCalledWith('https://hooks.slack.com/x', expect.any(String));
    expect(processEvent).not.toHaveBeenCalled();
  });

  it('a socket ack goes out as soon as an interactive listener calls ack()', async () => {
    const { reply, answers } = recordingReply(false);
    let seenBeforeReturn: number | undefined;
    const app = fakeApp(async ({ ack }) => {
      await ack({ response_action: 'clear' });
      seenBeforeReturn = answers.length;
    });
    const deliver = createDelivery({
      app: () => app,
      gate: everyInstallation,
      log,
      ackDeadlineMs: 2_000,
      tellUser: vi.fn(),
    });
    await deliver({ body: { type: 'view_submission', user: { id: 'U1' }, view: { callback_id: 'x' } } }, reply);
    expect(seenBeforeReturn).toBe(1);
    expect(answers).toEqual([{ kind: 'ack', response: { response_action: 'clear' } }]);
  });
});

describe('the single-workspace gate', () => {
  const gate = singleInstallationGate({ teamId: 'T1', appId: 'A1' }, log);
  it.each([
    [{ team_id: 'T1', api_app_id: 'A1' }, true],
    [{ team_id: 'T2', authorizations: [{ team_id: 'T1' }], api_app_id: 'A1' }, true],
    [{ team: null, user: { id: 'U1', team_id: 'T1' } }, true],
    [{ team_id: 'T2', api_app_id: 'A1' }, false],
    [{ team_id: 'T1', api_app_id: 'A2' }, false],
    [{ team: { id: 'T2' }, user: { id: 'U', team_id: 'T2' } }, false],
    [{}, false],
  ])('%j admitted: %s', (body, admitted) => {
    expect(gate.admits(body)).toBe(admitted);
  });
});

describe('shapeOf', () => {
  it('keeps keys and types, never values', () => {
    expect(shapeOf({ text: 'secret', n: 1, a: [{ x: 'y' }], e: null }, 3)).toEqual({
      text: 'string',
      n: 'number',
      a: [{ x: 'string' }],
      e: 'null',
    });
  });
});
