import { describe, expect, it } from 'vitest';
import {
  classifyMessage,
  messageEventSchema,
  type TriggerContext,
} from '../../../../src/features/answering/message-event.js';

const ctx: TriggerContext = { botUserId: 'UBOT', botId: 'BBOT', allowBots: false };
const ev = (e: Record<string, unknown>) =>
  messageEventSchema.parse({
    type: 'message',
    channel: 'C1',
    channel_type: 'channel',
    ts: '1700000000.000100',
    text: 'hi',
    user: 'U1',
    ...e,
  });

describe('which Slack messages get an answer', () => {
  it('answers an @mention in its thread, rooted at the top-level message', () => {
    expect(classifyMessage(ev({ type: 'app_mention', text: '<@UBOT> help' }), ctx)).toMatchObject({
      action: 'answer',
      threadTs: '1700000000.000100',
      needsThread: false,
    });
    expect(classifyMessage(ev({ type: 'app_mention', thread_ts: '1699999999.000001' }), ctx)).toMatchObject({
      threadTs: '1699999999.000001',
    });
  });

  it('answers every DM', () => {
    expect(classifyMessage(ev({ channel: 'D1', channel_type: 'im' }), ctx)).toMatchObject({
      action: 'answer',
      isDm: true,
      needsThread: false,
    });
  });

  it('answers a thread reply without mention only where the bot takes part', () => {
    expect(classifyMessage(ev({ thread_ts: '1699999999.000001' }), ctx)).toMatchObject({
      action: 'answer',
      needsThread: true,
    });
  });

  it('leaves top-level channel chatter alone', () => {
    expect(classifyMessage(ev({}), ctx).action).toBe('ignore');
  });

  it('leaves the message copy of a mention to the app_mention listener', () => {
    expect(classifyMessage(ev({ text: '<@UBOT> hello', thread_ts: '1699999999.000001' }), ctx)).toMatchObject({
      action: 'ignore',
      reason: 'handled as app_mention',
    });
  });

  it('ignores its own messages, other bots, edits and deletions', () => {
    expect(classifyMessage(ev({ user: 'UBOT', channel_type: 'im', channel: 'D1' }), ctx).action).toBe('ignore');
    expect(classifyMessage(ev({ bot_id: 'BBOT', channel: 'D1' }), ctx).action).toBe('ignore');
    expect(classifyMessage(ev({ bot_id: 'BOTHER', subtype: 'bot_message', channel: 'D1' }), ctx).action).toBe('ignore');
    expect(classifyMessage(ev({ subtype: 'message_changed', channel: 'D1' }), ctx).action).toBe('ignore');
    expect(classifyMessage(ev({ subtype: 'message_deleted', channel: 'D1' }), ctx).action).toBe('ignore');
    expect(classifyMessage(ev({ subtype: 'channel_join', channel: 'D1' }), ctx).action).toBe('ignore');
  });

  it('answers other bots when configured to', () => {
    const allow = { ...ctx, allowBots: ['BOTHER'] };
    expect(
      classifyMessage(ev({ bot_id: 'BOTHER', subtype: 'bot_message', channel: 'D1', user: undefined }), allow).action,
    ).toBe('answer');
    expect(
      classifyMessage(ev({ bot_id: 'BNOPE', subtype: 'bot_message', channel: 'D1', user: undefined }), allow).action,
    ).toBe('ignore');
  });

  it('answers a file_share message like any other', () => {
    expect(classifyMessage(ev({ subtype: 'file_share', channel: 'D1', files: [{ id: 'F1' }] }), ctx).action).toBe(
      'answer',
    );
  });

  it('rejects a malformed event at the schema', () => {
    expect(messageEventSchema.safeParse({ type: 'message', ts: 'yesterday', channel: 'C1' }).success).toBe(false);
  });
});
