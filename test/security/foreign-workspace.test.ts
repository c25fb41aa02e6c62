import { afterEach, describe, expect, it } from 'vitest';
import { FEEDBACK_ACTION } from '../../src/features/answering/feedback-blocks.js';
import { appMention, blockActionPayload, sendInteraction, sendSlashCommand } from '../fakes/slack-events.js';
import { Harness, SIGNING_SECRET } from '../integration/harness.js';

// Single-token mode serves one workspace. The same app installed elsewhere (or a user of another team) sends
// correctly signed requests: they must be acknowledged and ignored, never acted on with this workspace's token.
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const OTHER = 'T0OTHER';
const ignoredLines = (harness: Harness) =>
  harness.parsedLogs().filter((l) => String(l.msg).startsWith('ignoring requests for another workspace or app'));

describe('requests for another workspace in single-workspace mode', () => {
  it('an event, a slash command and a click from another team are acked and ignored, logged once per team', async () => {
    h = await new Harness({ redis: false }).start();
    h.slack.addWorkspace({ teamId: OTHER, botUserId: 'UBOTOTHER', botId: 'BBOTOTHER' });
    h.slack.addChannel('C0FOREIGN', { name: 'elsewhere' }, OTHER);

    const foreign = [
      await h.mention({ text: 'answer me with their token', channel: 'C0FOREIGN' }, { teamId: OTHER }),
      await h.mention({ text: 'and again', channel: 'C0FOREIGN' }, { teamId: OTHER }),
    ];
    expect(foreign.map((r) => r.status)).toEqual([200, 200]);
    const slash = await sendSlashCommand(
      h.eventsUrl,
      { command: '/threadwise', text: 'ask post this in their workspace', user_id: 'UOTHER', channel_id: 'C0SUP1' },
      { signingSecret: SIGNING_SECRET, teamId: OTHER },
    );
    expect(slash.status).toBe(200);
    expect(slash.body).toBe('');
    const click = await sendInteraction(
      h.eventsUrl,
      blockActionPayload({
        user: 'UOTHER',
        team: OTHER,
        channel: 'C0SUP1',
        message_ts: '1700000000.000100',
        action_id: FEEDBACK_ACTION,
        value: 'negative',
      }),
      { signingSecret: SIGNING_SECRET },
    );
    expect(click.status).toBe(200);

    // Our own workspace is still served; by the time its turn is done, anything the others started would show.
    h.openai.enqueue({ kind: 'text', text: 'Ours.' });
    const own = await h.mention({ text: 'hello' });
    await h.turnFinished(own.eventId);
    expect(h.openai.responsesRequests()).toHaveLength(1);
    expect(h.slack.messages('C0FOREIGN')).toHaveLength(2); // only the two questions themselves
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(h.slack.callsTo('chat.postEphemeral')).toHaveLength(0);
    expect(ignoredLines(h)).toHaveLength(1);
    expect(ignoredLines(h)[0]).toMatchObject({ team: OTHER, installed_team: h.slack.teamId });
  });

  it('a request naming another app is ignored too', async () => {
    h = await new Harness({ redis: false }).start();
    h.openai.enqueue({ kind: 'text', text: 'Ours.' });
    const event = appMention({ user: 'U1', channel: 'C0SUP1', text: `<@${h.slack.botUserId}> hi` });
    const res = await h.send(event, {});
    expect(res.status).toBe(200);
    const other = await sendInteraction(
      h.eventsUrl,
      {
        ...blockActionPayload({
          user: 'U1',
          channel: 'C0SUP1',
          message_ts: '1700000000.000100',
          action_id: FEEDBACK_ACTION,
          value: 'positive',
        }),
        api_app_id: 'A0SOMEONEELSE',
      },
      { signingSecret: SIGNING_SECRET },
    );
    expect(other.status).toBe(200);
    await h.turnFinished(res.eventId);
    expect(h.slack.callsTo('chat.postEphemeral')).toHaveLength(0);
    expect(ignoredLines(h)[0]).toMatchObject({ api_app_id: 'A0SOMEONEELSE' });
  });
});
