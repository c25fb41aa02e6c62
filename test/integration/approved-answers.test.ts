import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { storeKeys } from '../../src/platform/store/keys.js';
import { appHomeOpened, blockActionPayload, messageActionPayload, messageEvent } from '../fakes/slack-events.js';
import { Harness, REDIS_URL } from './harness.js';
import { CliRunner } from './offline/cli-harness.js';
import { SUP_CHANNEL, toolHarness, toolOutputs } from './tool-setup.js';

let h: Harness;
afterEach(async () => h?.stop());

/** Grace (U2) is a knowledge editor and an admin (to read the audit trail); Eve (U5) and Ada (U1) are neither. */
const YAML = 'knowledge:\n  editors: [U2]\nlimits:\n  admins: [U2]\n';
const EDITED_QUESTION = 'How do I reset my VPN token?';
const EDITED_ANSWER = 'Open https://vpn.example.com/reset, choose *Reset token*, then restart the VPN client.';

type View = { id: string; callback_id: string; private_metadata: string; blocks: Array<Record<string, any>> };
const inputs = (v: View) =>
  Object.fromEntries(
    v.blocks.filter((b) => b.type === 'input').map((b) => [b.block_id as string, b.element?.initial_value]),
  );
const viewText = (v: View) => JSON.stringify(v.blocks);

async function started() {
  h = await toolHarness({ yaml: YAML }).start();
}

/** Eve asks about the VPN token; the model searches the knowledge; returns the passages it got. */
async function searchedLater(): Promise<Array<Record<string, unknown>>> {
  h.openai.enqueue(
    { kind: 'function_calls', calls: [{ name: 'search_knowledge', arguments: '{"query":"reset VPN token"}' }] },
    { kind: 'text', text: 'Reset your token at the VPN portal, then restart the client.' },
  );
  const later = await h.mention({ user: 'U5', channel: SUP_CHANNEL, text: 'how can I reset the VPN token?' });
  await h.turnFinished(later.eventId);
  const [out] = toolOutputs(h.openai.responsesRequests().at(-1)!.body);
  return out!.out.data.passages;
}

/** Ada asks in the support channel and the bot answers; returns the thread and the bot's answer message. */
async function answered(text = 'my VPN token stopped working, what do I do?') {
  h.openai.enqueue({ kind: 'text', text: 'Try resetting the token in the VPN portal.' });
  const asked = await h.mention({ user: 'U1', channel: SUP_CHANNEL, text });
  await h.turnFinished(asked.eventId);
  const root = h.slack.messages(SUP_CHANNEL).find((m) => m.text.includes(text))!.ts;
  const reply = h.replies(SUP_CHANNEL, root).at(-1)!;
  return { root, reply };
}

/** "Save as answer" on a message, as `user`. */
function saveShortcut(
  user: string,
  message: { ts: string; text?: string; user?: string; thread_ts?: string },
  channel = SUP_CHANNEL,
) {
  return h.interact(
    messageActionPayload({
      callback_id: 'save_as_answer',
      user,
      channel,
      message: { text: '', ...message },
      responseUrl: h.slack.responseUrl(),
    }),
  );
}

const forms = () => h.slack.openedViews().filter((v) => v.callback_id === 'tw_save_answer') as unknown as View[];
/** The newest Save as answer form. */
const formView = () => forms().at(-1)!;
/** Waits for the `n`th form to hold the draft (its inputs), after the loading note. */
const formReady = (n = 1) =>
  h.until(() => forms().length === n && 'approved_question' in inputs(formView()), 'the draft form');
/** Slack's link to a thread root: the workspace, the channel, p + the ts without its dot. */
const permalinkOf = (threadTs: string) =>
  `https://fake-team.slack.com/archives/${SUP_CHANNEL}/p${threadTs.replace('.', '')}`;

async function redisHash(key: string): Promise<Record<string, string>> {
  const redis = new Redis(REDIS_URL);
  try {
    return await redis.hgetall(key);
  } finally {
    await redis.quit();
  }
}

describe('answers people approved', () => {
  it('lets an editor save an edited answer, and a later question is answered citing it first, as approved', async () => {
    await started();
    const { root, reply } = await answered();

    // The draft waits until the test has seen the loading form: it opens at once, within the trigger_id's 3 s.
    let draftMayFinish!: () => void;
    h.openai.enqueue({
      kind: 'json',
      value: { question: 'What to do when the VPN token stops working?', answer: 'Reset it in the VPN portal.' },
      hold: new Promise<void>((r) => (draftMayFinish = r)),
    });
    const res = await saveShortcut('U2', { ts: reply.ts, text: reply.text, user: 'UBOT', thread_ts: root });
    expect(res.status).toBe(200);
    await h.until(() => h.slack.callsTo('views.open').length === 1, 'the loading form');
    expect(h.slack.callsTo('views.open')[0]!.ok).toBe(true);
    expect(viewText(formView())).toContain('drafting a question and answer');
    expect(formView()).not.toHaveProperty('submit');
    draftMayFinish();
    await formReady();

    // Structured Outputs through the Responses API, with the thread as input.
    const draftRequest = h.openai.responsesRequests().at(-1)!.body as Record<string, any>;
    expect(draftRequest.text.format).toMatchObject({
      type: 'json_schema',
      name: 'approved_answer_draft',
      strict: true,
    });
    expect(JSON.stringify(draftRequest.input)).toContain('my VPN token stopped working');
    expect(inputs(formView())).toEqual({
      approved_question: 'What to do when the VPN token stops working?',
      approved_answer: 'Reset it in the VPN portal.',
    });
    // Nothing is kept before Save.
    expect(await redisHash(storeKeys(h.prefix).approvedAnswers)).toEqual({});

    const submitted = await h.interact(
      h.slack.viewSubmission(formView().id, 'U2', {
        approved_question: EDITED_QUESTION,
        approved_answer: EDITED_ANSWER,
      }),
    );
    expect(submitted.status).toBe(200);
    expect(submitted.json).toEqual({});
    await h.waitForLog((l) => l.msg === 'approved answer indexed');

    const stored = Object.values(await redisHash(storeKeys(h.prefix).approvedAnswers)).map((v) => JSON.parse(v));
    const permalink = permalinkOf(root);
    expect(h.slack.callsTo('chat.getPermalink').at(-1)).toMatchObject({ ok: true, args: { message_ts: root } });
    expect(stored).toEqual([
      expect.objectContaining({
        question: EDITED_QUESTION,
        answer: EDITED_ANSWER,
        permalink,
        editor: 'U2',
        channel: SUP_CHANNEL,
        threadTs: root,
        savedAt: expect.any(Number),
      }),
    ]);
    expect(h.slack.ephemerals().at(-1)).toMatchObject({
      user: 'U2',
      text: expect.stringContaining(`Saved as an approved answer: <${permalink}|${EDITED_QUESTION}>`),
    });
    expect((await h.slash('audit', { user: 'U2' })).json.text).toMatch(/<@U2> \*approved_answer_saved\* saved/);

    // Eve asks the same thing later: the search lists the approved answer first, and the answer cites it as approved.
    const passages = await searchedLater();
    expect(passages[0]).toMatchObject({
      title: EDITED_QUESTION,
      source: 'approved',
      approved: true,
      url: permalink,
      text: expect.stringContaining('vpn.example.com/reset'),
    });
    const laterRoot = h.slack.messages(SUP_CHANNEL).find((m) => m.text.includes('how can I reset'))!.ts;
    const shown = h
      .replies(SUP_CHANNEL, laterRoot)
      .map((m) => m.text)
      .join('\n');
    expect(shown).toContain(`📚 _Sources: [Approved answer: ${EDITED_QUESTION}](${permalink})`);
  });

  it('refuses a person who is not an editor, privately, and keeps nothing even from a crafted submission', async () => {
    await started();
    const { root, reply } = await answered();
    await saveShortcut('U5', { ts: reply.ts, user: 'UBOT', thread_ts: root });
    await h.until(() => h.slack.hookMessages.length === 1, 'the refusal');
    expect(h.slack.hookMessages[0]!.body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('Only the knowledge editors'),
    });
    expect(h.slack.callsTo('views.open')).toHaveLength(0);

    // An editor's form, submitted by someone else: refused in the form.
    h.openai.enqueue({ kind: 'json', value: { question: 'What about the VPN token?', answer: 'Reset it.' } });
    await saveShortcut('U2', { ts: reply.ts, user: 'UBOT', thread_ts: root });
    await formReady();
    const crafted = await h.interact(h.slack.viewSubmission(formView().id, 'U5'));
    expect(crafted.json).toMatchObject({
      response_action: 'errors',
      errors: { approved_question: expect.stringContaining('Only the knowledge editors') },
    });
    expect(await redisHash(storeKeys(h.prefix).approvedAnswers)).toEqual({});
  });

  it('offers only the bot’s answers and resolved desk threads, and shows problems in the form', async () => {
    await started();
    const { root, reply } = await answered();
    // Ada's own question is neither an answer nor a solved desk thread.
    await saveShortcut('U2', { ts: root, user: 'U1' });
    await h.until(() => forms().length === 1 && viewText(formView()).includes('Only my answers'), 'the notice');
    expect(formView()).not.toHaveProperty('submit');

    // The model's draft is unusable: empty fields and a note, for the editor to fill in.
    h.openai.enqueue({ kind: 'json', value: { topic: 'vpn' } });
    await saveShortcut('U2', { ts: reply.ts, user: 'UBOT', thread_ts: root });
    await formReady(2);
    expect(inputs(formView())).toEqual({ approved_question: undefined, approved_answer: undefined });
    expect(viewText(formView())).toContain('write the question and the answer yourself');

    // Empty and oversized fields are refused in the form, by field.
    const tooShort = await h.interact(
      h.slack.viewSubmission(formView().id, 'U2', { approved_question: 'vpn', approved_answer: ' ' }),
    );
    expect(tooShort.json).toEqual({
      response_action: 'errors',
      errors: {
        approved_question: expect.stringContaining('at least 5 characters'),
        approved_answer: 'Please write the answer.',
      },
    });
  });

  it('speaks the editor’s language: a German editor’s form, field errors and confirmation are German', async () => {
    await started();
    h.slack.addUser('U2', { name: 'grace', real_name: 'Grace Hopper', display_name: 'Grace', locale: 'de-DE' });
    const { root, reply } = await answered();
    h.openai.enqueue({ kind: 'json', value: { question: 'VPN-Token zurücksetzen?', answer: 'Im VPN-Portal.' } });
    await saveShortcut('U2', { ts: reply.ts, user: 'UBOT', thread_ts: root });
    await formReady();
    const form = formView() as View & { title?: unknown; submit?: unknown };
    expect(form.title).toEqual({ type: 'plain_text', text: 'Als Antwort speichern' });
    expect(form.submit).toEqual({ type: 'plain_text', text: 'Speichern' });
    expect(viewText(form)).toContain(`Aus <${permalinkOf(root)}|diesem Thread>. Prüfe und bearbeite den Entwurf`);
    expect(viewText(form)).toContain('"text":"Frage"');

    const tooShort = await h.interact(
      h.slack.viewSubmission(form.id, 'U2', { approved_question: 'vpn', approved_answer: ' ' }),
    );
    expect(tooShort.json).toEqual({
      response_action: 'errors',
      errors: {
        approved_question: 'Bitte schreibe die Frage (mindestens 5 Zeichen).',
        approved_answer: 'Bitte schreibe die Antwort.',
      },
    });
    await h.interact(h.slack.viewSubmission(form.id, 'U2'));
    await h.waitForLog((l) => l.msg === 'approved answer indexed');
    expect(h.slack.ephemerals().at(-1)).toMatchObject({
      user: 'U2',
      text: `✅ Als freigegebene Antwort gespeichert: <${permalinkOf(root)}|VPN-Token zurücksetzen?>. Spätere Fragen werden zuerst daraus beantwortet und zitieren sie.`,
    });
  });

  it('tells a Japanese editor in Japanese, and a Korean one in English, why a thread cannot be saved', async () => {
    h = await toolHarness({ yaml: YAML.replace('editors: [U2]', 'editors: [U2, U7, U8]') }).start();
    h.slack.addUser('U7', { name: 'yui', real_name: 'Yui Tanaka', display_name: 'Yui', locale: 'ja-JP' });
    h.slack.addUser('U8', { name: 'minji', real_name: 'Minji Kim', display_name: 'Minji', locale: 'ko-KR' });
    const { root } = await answered();
    // Ada's own question is neither an answer nor a solved desk thread.
    await saveShortcut('U7', { ts: root, user: 'U1' });
    await h.until(
      () => forms().length === 1 && viewText(formView()).includes('承認済みの回答として保存できるのは'),
      'the Japanese notice',
    );
    expect((formView() as View & { title?: unknown }).title).toEqual({ type: 'plain_text', text: '回答として保存' });
    await saveShortcut('U8', { ts: root, user: 'U1' });
    await h.until(() => forms().length === 2 && viewText(formView()).includes('Only my answers'), 'the English notice');
  });

  it('lists saved answers on the editors’ App Home, where Delete removes them from search', async () => {
    await started();
    const { root, reply } = await answered();
    h.openai.enqueue({ kind: 'json', value: { question: EDITED_QUESTION, answer: EDITED_ANSWER } });
    await saveShortcut('U2', { ts: reply.ts, user: 'UBOT', thread_ts: root });
    await formReady();
    await h.interact(h.slack.viewSubmission(formView().id, 'U2'));
    await h.waitForLog((l) => l.msg === 'approved answer indexed');

    // Ada is no editor: her Home tab has no such list.
    await h.send(appHomeOpened({ user: 'U1', channel: 'D0ADA', tab: 'home' }));
    await h.until(() => h.slack.publishedHome('U1') !== undefined, 'Ada’s home tab');
    expect(JSON.stringify(h.slack.publishedHome('U1'))).not.toContain('Approved answers');

    await h.send(appHomeOpened({ user: 'U2', channel: 'D0GRACE', tab: 'home' }));
    await h.until(() => h.slack.publishedHome('U2') !== undefined, 'Grace’s home tab');
    const home = JSON.stringify(h.slack.publishedHome('U2'));
    expect(home).toContain('*Approved answers* (1)');
    expect(home).toContain(EDITED_QUESTION);
    expect(home).toContain('threadwise export approved');

    // A crafted Delete click from someone who is not an editor removes nothing.
    const id = Object.keys(await redisHash(storeKeys(h.prefix).approvedAnswers))[0]!;
    await h.interact({
      ...h.slack.homeButtonClick('U2', 'tw_approved_delete', id),
      user: { id: 'U1', team_id: 'T0TEST' },
    });
    await h.waitForLog((l) => l.msg === 'approved answer delete refused: not an editor');
    expect(Object.keys(await redisHash(storeKeys(h.prefix).approvedAnswers))).toEqual([id]);

    const publishes = h.slack.callsTo('views.publish').length;
    await h.interact(h.slack.homeButtonClick('U2', 'tw_approved_delete', id));
    await h.until(() => h.slack.callsTo('views.publish').length > publishes, 'the refreshed home tab');
    expect(await redisHash(storeKeys(h.prefix).approvedAnswers)).toEqual({});
    // Gone from search too: a later question finds no approved answer.
    expect((await searchedLater()).filter((p) => p.approved)).toEqual([]);
    const after = JSON.stringify(h.slack.publishedHome('U2'));
    expect(after).toContain('*Approved answers* (0)');
    expect(after).not.toContain(EDITED_QUESTION);
    expect((await h.slash('audit', { user: 'U2' })).json.text).toMatch(/<@U2> \*approved_answer_deleted\* deleted/);
  });

  it('exports the approved answers as Markdown', async () => {
    await started();
    const { root, reply } = await answered();
    h.openai.enqueue({ kind: 'json', value: { question: EDITED_QUESTION, answer: EDITED_ANSWER } });
    await saveShortcut('U2', { ts: reply.ts, user: 'UBOT', thread_ts: root });
    await formReady();
    await h.interact(h.slack.viewSubmission(formView().id, 'U2'));
    await h.waitForLog((l) => l.msg === 'approved answer saved');

    const runner = new CliRunner({});
    writeFileSync(runner.path('tw.yml'), `state:\n  key_prefix: "${h.prefix}"\n`);
    runner.env = { REDIS_URL, THREADWISE_CONFIG: runner.path('tw.yml') };
    const run = await runner.run(['export', 'approved']);
    expect(run.stderr).toContain('1 approved answer');
    expect(run.code).toBe(0);
    const permalink = permalinkOf(root);
    expect(run.stdout).toMatch(/^# Approved answers\n/);
    expect(run.stdout).toContain(
      `## ${EDITED_QUESTION}\n\n${EDITED_ANSWER}\n\n_Source: [the Slack thread](${permalink})`,
    );
    expect(run.stdout).toContain('saved by U2 on ');

    // Grace runs forget-me: the answer stays for the team, without her name.
    const forgot = await h.slash('forget-me', { user: 'U2' });
    expect(forgot.json.text).toContain('your name on 1 approved answer you saved');
    const again = await runner.run(['export', 'approved']);
    expect(again.stdout).toContain(`## ${EDITED_QUESTION}`);
    expect(again.stdout).toContain('saved by a forgotten editor on ');
    expect(again.stdout).not.toContain('U2');
  });
});

describe('answers people approved, from the help desk', () => {
  const HELP = 'C0HELP';
  const desk = { auto_answer: true, min_confidence: 0.7, oncall: ['U7'] };

  it('can be saved from a desk thread once its asker marked it solved, not before', async () => {
    h = new Harness({
      yaml: [
        'knowledge:\n  editors: [U2]',
        `policies:\n  dir: ${JSON.stringify(resolve('examples/policies'))}`,
        `channels:\n  ${HELP}:\n    desk: ${JSON.stringify(desk)}`,
      ].join('\n'),
    });
    h.openai.setDefault((req) =>
      req.body?.text?.format?.name === 'desk_judgement'
        ? {
            kind: 'json',
            value: { answerable: true },
            logprobs: { true: { true: 0.95, false: 0.05 } },
          }
        : { kind: 'text', text: 'Book through the travel portal at least 14 days before departure.' },
    );
    await h.start();
    const question = messageEvent({ user: 'U1', channel: HELP, text: 'How early do I have to book flights?' });
    const asked = await h.send(question);
    await h.turnFinished(asked.eventId);
    const root = String(question.ts);
    const answer = h.replies(HELP, root).find((m) => m.user === h.slack.botUserId)!;

    // Ada's question, in a thread still open: not yet.
    await saveShortcut('U2', { ts: root, user: 'U1', text: 'How early do I have to book flights?' }, HELP);
    await h.until(() => forms().length === 1 && viewText(formView()).includes('Only my answers'), 'the notice');

    await h.interact(
      blockActionPayload({
        user: 'U1',
        channel: HELP,
        message_ts: answer.ts,
        thread_ts: root,
        action_id: 'tw_desk_solved',
      }),
    );
    await h.waitForLog((l) => l.msg === 'desk thread resolved');
    h.openai.enqueue({
      kind: 'json',
      value: { question: 'How early must flights be booked?', answer: 'At least 14 days before departure.' },
    });
    await saveShortcut('U2', { ts: root, user: 'U1', text: 'How early do I have to book flights?' }, HELP);
    await formReady(2);
    expect(inputs(formView())).toEqual({
      approved_question: 'How early must flights be booked?',
      approved_answer: 'At least 14 days before departure.',
    });
    await h.interact(h.slack.viewSubmission(formView().id, 'U2'));
    await h.waitForLog((l) => l.msg === 'approved answer saved');
    const [saved] = Object.values(await redisHash(storeKeys(h.prefix).approvedAnswers)).map((v) => JSON.parse(v));
    expect(saved).toMatchObject({
      channel: HELP,
      threadTs: root,
      permalink: `https://fake-team.slack.com/archives/${HELP}/p${root.replace('.', '')}`,
    });
  });
});
