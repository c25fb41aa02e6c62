import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisDeskStore } from '../../src/features/desk/desk-store.js';
import { RedisKnowledgeGaps } from '../../src/features/knowledge/gaps.js';
import { storeKeys } from '../../src/platform/store/keys.js';
import type { RecordedRequest, Script } from '../fakes/openai-server.js';
import { appHomeOpened, appMention, blockActionPayload, messageEvent, reactionAdded } from '../fakes/slack-events.js';
import { policyFolder } from '../support/policy-folder.js';
import { Harness, REDIS_URL } from './harness.js';

const HELP = 'C0HELP';
const ASKER = 'U1';
const COLLEAGUE = 'U2';
const ADMIN = 'U9';
const TRAVEL_URL = 'https://wiki.example.com/policies/travel';

/** A policy folder of its own: the travel policy carries a `url:` in its front matter, the expenses one does not. */
const policyDir = () =>
  policyFolder({
    'travel.md': `---\nurl: ${TRAVEL_URL}\n---\n# Travel Policy\n\n## Booking\n\nBook flights through the travel portal at least 14 days before departure.\n`,
    'expenses.md':
      '# Expenses Policy\n\n## Meals\n\nMeals are reimbursed up to 60 EUR per day with itemised receipts.\n',
  });

const deskYaml = (desk: Record<string, unknown> = {}) =>
  [
    'policies:',
    `  dir: ${JSON.stringify(policyDir())}`,
    'limits:',
    `  admins: [${ADMIN}]`,
    'channels:',
    `  ${HELP}:`,
    `    desk: ${JSON.stringify({ auto_answer: true, min_confidence: 0.7, oncall: ['S0ONCALL', 'U7'], sla_minutes: 0.05, ...desk })}`,
  ].join('\n');

const isGate = (r: RecordedRequest) => r.body?.text?.format?.name === 'desk_judgement';

/** The gate's judgement as the model would stream it: `true` with probability `p` at the deciding token. */
const judgement = (p: number, hold?: Promise<void>): Script => ({
  kind: 'json',
  value: { answerable: p >= 0.5 },
  logprobs: { true: { true: p, false: 1 - p }, false: { false: 1 - p, true: p } },
  ...(hold ? { hold } : {}),
});

const ANSWER = 'Book flights through the travel portal at least 14 days before departure (Travel Policy).';

let h: Harness | undefined;
let redis: Redis | undefined;
afterEach(async () => {
  await h?.stop();
  await redis?.quit();
  h = undefined;
  redis = undefined;
});

async function start(opts: { confidence?: number; desk?: Record<string, unknown>; hold?: Promise<void> } = {}) {
  const harness = new Harness({
    yaml: deskYaml(opts.desk),
    slack: {
      users: {
        U1: { name: 'ada', real_name: 'Ada Lovelace', display_name: 'Ada' },
        U2: { name: 'grace', real_name: 'Grace Hopper', display_name: 'Grace' },
        U9: { name: 'lead', real_name: 'Lea Lead', display_name: 'Lea' },
      },
    },
  });
  harness.openai.setDefault((req) =>
    isGate(req) ? judgement(opts.confidence ?? 0.9, opts.hold) : { kind: 'text', text: ANSWER },
  );
  h = await harness.start();
  redis = new Redis(REDIS_URL);
  return { harness, desk: new RedisDeskStore(redis, storeKeys(harness.prefix)) };
}

/** A person's top-level question in the help channel, delivered like Slack does. */
async function ask(harness: Harness, text: string, user = ASKER) {
  const event = messageEvent({ user, channel: HELP, text });
  const res = await harness.send(event);
  expect(res.status).toBe(200);
  return { ts: String(event.ts), eventId: res.eventId };
}

const key = (harness: Harness, threadTs: string) => ({ teamId: harness.slack.teamId, channel: HELP, threadTs });

/** The SLA timers waiting in Redis (BullMQ delayed jobs of the desk's queue). */
async function pendingTimers(harness: Harness): Promise<number> {
  const queue = new Queue('desk-sla', { connection: { url: REDIS_URL }, prefix: storeKeys(harness.prefix).bull });
  try {
    return await queue.getDelayedCount();
  } finally {
    await queue.close();
  }
}

const botReplies = (harness: Harness, ts: string) =>
  harness.replies(HELP, ts).filter((m) => m.user === harness.slack.botUserId && m.ts !== ts);

const click = (harness: Harness, user: string, answerTs: string, threadTs: string, action: string) =>
  harness.interact(
    blockActionPayload({ user, channel: HELP, message_ts: answerTs, thread_ts: threadTs, action_id: action }),
  );

describe('help-channel desk: auto-answer', () => {
  it('answers a top-level question it can cite, ending with the source as a link, under Solved it / I need a human', async () => {
    const { harness, desk } = await start({ confidence: 0.92 });
    const q = await ask(harness, 'How early do I have to book flights?');
    await harness.turnFinished(q.eventId);

    const [answer, ...more] = botReplies(harness, q.ts);
    expect(more).toEqual([]);
    expect(answer!.text).toContain('14 days before departure');
    expect(answer!.text).toContain(`[Travel Policy › Booking](${TRAVEL_URL})`);
    const actions = JSON.stringify(answer!.blocks);
    expect(actions).toContain('"text":"Solved it"');
    expect(actions).toContain('"text":"I need a human"');
    expect(actions).toContain('feedback_buttons');

    // The confidence came from the judgement's token log-probabilities, asked for explicitly.
    const gate = harness.openai.responsesRequests().find(isGate)!;
    expect(gate.body.include).toEqual(['message.output_text.logprobs']);
    expect(gate.body.top_logprobs).toBeGreaterThan(1);
    expect(JSON.stringify(gate.body.input)).toContain('Book flights through the travel portal');
    const judged = await harness.waitForLog((l) => l.msg === 'desk judgement');
    expect(judged).toMatchObject({ answer: true, sources: expect.any(Number) });
    expect(judged.confidence).toBeCloseTo(0.92, 5);
    // The desk records the answer once the turn that showed it has finished.
    await harness.waitForLog((l) => l.msg === 'desk thread answered' && l.turn === q.eventId);
    expect((await desk.get(key(harness, q.ts)))?.state).toBe('answered');
    expect(await pendingTimers(harness)).toBe(0);
  });

  it('stays silent below min_confidence: only 👀 on the question, and the SLA clock starts', async () => {
    const { harness, desk } = await start({ confidence: 0.41 });
    // It shares words with the travel policy (something to cite), so the gate is asked and is unsure.
    const q = await ask(harness, 'Can I book business class flights to Lisbon?');
    const judged = await harness.waitForLog((l) => l.msg === 'desk judgement');
    expect(judged).toMatchObject({ answer: false, min_confidence: 0.7 });
    expect(judged.confidence).toBeCloseTo(0.41, 5);
    await harness.waitForLog((l) => l.msg === 'desk SLA clock started');
    expect(botReplies(harness, q.ts)).toEqual([]);
    expect(harness.slack.messages(HELP).find((m) => m.ts === q.ts)?.reactions).toEqual([
      { name: 'eyes', users: [harness.slack.botUserId] },
    ]);
    expect((await desk.get(key(harness, q.ts)))?.state).toBe('open');
    // Only the judgement was asked for; no answer was written.
    expect(harness.openai.responsesRequests().filter((r) => !isGate(r))).toEqual([]);
  });

  it('never answers bots or workflow posts, and mentions keep working as before', async () => {
    const { harness } = await start({ confidence: 0.95 });
    const bot = messageEvent({ user: 'U0WF', channel: HELP, text: 'Workflow: new request', bot_id: 'B0WF' });
    await harness.send(bot);
    const q = await harness.mention({ channel: HELP, text: 'what is the meal allowance?' });
    await harness.turnFinished(q.eventId);
    // Both deliveries were acknowledged after their listeners ran: a queued desk question would be logged by now.
    expect(harness.parsedLogs().filter((l) => l.msg === 'desk question queued')).toEqual([]);
    expect(botReplies(harness, String(bot.ts))).toEqual([]);
  });

  it('rate-limits unprompted answers per channel: past auto_answers_per_hour a question waits for a person', async () => {
    const { harness } = await start({ confidence: 0.95, desk: { auto_answers_per_hour: 1 } });
    const first = await ask(harness, 'How early do I book flights?');
    await harness.turnFinished(first.eventId);
    const second = await ask(harness, 'How early do I book hotels?');
    const judged = await harness.waitForLog((l) => l.msg === 'desk judgement' && l.answer === false);
    expect(judged.reason).toContain('auto_answers_per_hour (1)');
    await harness.waitForLog((l) => l.msg === 'desk SLA clock started');
    expect(botReplies(harness, second.ts)).toEqual([]);
  });
});

describe('help-channel desk: people', () => {
  it('"I need a human" posts one hand-off mentioning on-call with a summary; the thread waits for a person', async () => {
    const { harness, desk } = await start({ confidence: 0.9 });
    const q = await ask(harness, 'How early do I have to book flights?');
    await harness.turnFinished(q.eventId);
    const [answer] = botReplies(harness, q.ts);
    await click(harness, ASKER, answer!.ts, q.ts, 'tw_desk_human');
    await harness.waitForLog((l) => l.msg === 'desk thread handed off');

    const handoff = botReplies(harness, q.ts)[1]!;
    expect(handoff.text).toContain('<!subteam^S0ONCALL>');
    expect(handoff.text).toContain('<@U7>');
    const lines = handoff.text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('How early do I have to book flights?');
    expect(lines[2]).toContain('I answered from Travel Policy');
    const thread = key(harness, q.ts);
    expect((await desk.get(thread))?.state).toBe('waiting_for_human');
    expect((await desk.history(thread)).map((c) => [c.state, c.actor, c.by])).toEqual([
      ['open', 'person', ASKER],
      ['answered', 'bot', 'bot'],
      ['waiting_for_human', 'person', ASKER],
    ]);
    // The hand-off is on the audit trail, for the admins.
    const audit = (await harness.slash('audit', { user: ADMIN, channel: HELP })).json.text;
    expect(audit).toMatch(/<@U1> \*handoff\* handed_off/);

    // A second click changes nothing; the clicker is told privately.
    await click(harness, COLLEAGUE, answer!.ts, q.ts, 'tw_desk_human');
    await harness.until(
      () => harness.slack.ephemerals().some((e) => e.user === COLLEAGUE && e.text.includes('already waiting')),
      'the second clicker to be told',
    );
    expect(botReplies(harness, q.ts)).toHaveLength(2);

    // Follow-ups without a mention are left to people now.
    const followUp = await harness.message({ channel: HELP, thread_ts: q.ts, text: 'still there?' });
    const skipped = await harness.waitForLog(
      (l) => l.msg === 'thread follow-up not answered' && l.event_id === followUp.eventId,
    );
    expect(skipped.reason).toBe('a person has this thread (help desk)');
  });

  it('/threadwise handoff brings on-call in on the caller’s latest question in the channel', async () => {
    const { harness, desk } = await start({ confidence: 0.2 });
    // Its words are in the expenses policy, so a source is found however far the embeddings have got; the gate is unsure.
    const q = await ask(harness, 'Are meals at the airport reimbursed like other meals?');
    await harness.waitForLog((l) => l.msg === 'desk SLA clock started');
    const res = await harness.slash('handoff', { user: ASKER, channel: HELP });
    expect(res.json.text).toContain('asked the on-call people');
    const handoff = botReplies(harness, q.ts)[0]!;
    expect(handoff.text).toContain('<!subteam^S0ONCALL>');
    expect(handoff.text).toContain('not sure enough to answer');
    expect((await desk.get(key(harness, q.ts)))?.state).toBe('waiting_for_human');
    expect((await harness.slash('handoff', { user: ASKER, channel: 'C0SUP1' })).json.text).toContain('no help desk');
  });

  it('a reply by another person takes the thread over: the bot stays quiet and the SLA clock stops', async () => {
    const { harness, desk } = await start({ confidence: 0.3 });
    const q = await ask(harness, 'Who approves expenses above 1,000 EUR?');
    await harness.waitForLog((l) => l.msg === 'desk SLA clock started');
    expect(await pendingTimers(harness)).toBe(2);
    await harness.message({ user: COLLEAGUE, channel: HELP, thread_ts: q.ts, text: 'Your department head, Ada.' });
    await harness.waitForLog((l) => l.msg === 'a person took over the desk thread');
    expect((await desk.get(key(harness, q.ts)))?.state).toBe('with_human');
    expect(await pendingTimers(harness)).toBe(0);
    const followUp = await harness.message({ channel: HELP, thread_ts: q.ts, text: 'thanks! and below that?' });
    await harness.waitForLog((l) => l.msg === 'thread follow-up not answered' && l.event_id === followUp.eventId);
    expect(botReplies(harness, q.ts)).toEqual([]);
  });

  it('does not answer where a person replied before the bot got to it', async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const { harness, desk } = await start({ confidence: 0.95, hold });
    const q = await ask(harness, 'How early do I have to book flights?');
    await harness.openai.waitForRequests(1);
    await harness.message({ user: COLLEAGUE, channel: HELP, thread_ts: q.ts, text: '14 days, see the travel policy' });
    await harness.waitForLog((l) => l.msg === 'a person took over the desk thread');
    release();
    const judged = await harness.waitForLog((l) => l.msg === 'desk judgement');
    expect(judged).toMatchObject({ answer: false, reason: 'a person answered first' });
    await harness.waitForLog((l) => l.msg === 'desk question left to the person who has it');
    expect(botReplies(harness, q.ts)).toEqual([]);
    expect((await desk.get(key(harness, q.ts)))?.state).toBe('with_human');
    expect(await pendingTimers(harness)).toBe(0);
  });
});

describe('help-channel desk: SLA and resolution', () => {
  it('escalates once at sla_minutes and once more at twice the time, and the timers survive a restart', async () => {
    const { harness } = await start({ confidence: 0.2 });
    const q = await ask(harness, 'The printer on floor 3 is on fire');
    await harness.waitForLog((l) => l.msg === 'desk SLA clock started');
    // The process that started the clock goes away before it is due; the next one must keep the promise.
    await harness.restart();
    const restartedAt = harness.parsedLogs().filter((l) => l.msg === 'threadwise is listening').length;
    expect(restartedAt).toBe(2);
    const second = await harness.waitForLog((l) => l.msg === 'desk SLA escalation' && l.level === 2, 60_000);
    expect(second.level).toBe(2);
    const logs = harness.parsedLogs();
    const listening = logs.findLastIndex((l) => l.msg === 'threadwise is listening');
    const escalations = logs.flatMap((l, i) => (l.msg === 'desk SLA escalation' ? [i] : []));
    expect(escalations).toHaveLength(2);
    expect(escalations.every((i) => i > listening)).toBe(true);
    const posted = botReplies(harness, q.ts).map((m) => m.text);
    expect(posted).toHaveLength(2);
    expect(posted[0]).toContain('<!subteam^S0ONCALL> <@U7>: this question has been waiting 1 minute for a person.');
    expect(posted[1]).toContain('has still been waiting 1 minute');
    expect(await pendingTimers(harness)).toBe(0);
  });

  it('speaks each clicker’s language: Japanese buttons and notes for a Japanese asker, a German note for a German colleague', async () => {
    const { harness } = await start({ confidence: 0.9 });
    harness.slack.addUser(ASKER, { name: 'yui', real_name: 'Yui Tanaka', display_name: 'Yui', locale: 'ja-JP' });
    harness.slack.addUser(COLLEAGUE, {
      name: 'jonas',
      real_name: 'Jonas Weber',
      display_name: 'Jonas',
      locale: 'de-DE',
    });
    const q = await ask(harness, 'How early do I have to book flights?');
    await harness.turnFinished(q.eventId);
    const [answer] = botReplies(harness, q.ts);
    const buttons = JSON.stringify(answer!.blocks);
    expect(buttons).toContain('"text":"解決した"');
    expect(buttons).toContain('"text":"担当者に相談したい"');
    const told = (user: string, text: string) =>
      harness.until(() => harness.slack.ephemerals().some((e) => e.user === user && e.text === text), text);

    await click(harness, COLLEAGUE, answer!.ts, q.ts, 'tw_desk_solved');
    await told(COLLEAGUE, `Nur <@${ASKER}>, der oder die gefragt hat, kann dies als gelöst markieren.`);
    await click(harness, ASKER, answer!.ts, q.ts, 'tw_desk_solved');
    await told(ASKER, '解決済みにしました。お知らせいただきありがとうございます！');
    await click(harness, ASKER, answer!.ts, q.ts, 'tw_desk_solved');
    await told(ASKER, 'このスレッドはすでに解決済みです。');
    // Slack's default locale reads English: Lea's click gets the English note.
    await click(harness, ADMIN, answer!.ts, q.ts, 'tw_desk_solved');
    await told(ADMIN, `Only <@${ASKER}>, who asked, can mark this solved.`);
  });

  it('"Solved it" by the asker resolves the thread, keeps its history and counts a deflection', async () => {
    const { harness, desk } = await start({ confidence: 0.9 });
    const q = await ask(harness, 'How early do I have to book flights?');
    await harness.turnFinished(q.eventId);
    const [answer] = botReplies(harness, q.ts);
    await click(harness, COLLEAGUE, answer!.ts, q.ts, 'tw_desk_solved');
    await harness.until(
      () => harness.slack.ephemerals().some((e) => e.user === COLLEAGUE && e.text.includes('who asked, can mark')),
      'the colleague to be told only the asker can',
    );
    await click(harness, ASKER, answer!.ts, q.ts, 'tw_desk_solved');
    await harness.waitForLog((l) => l.msg === 'desk thread resolved');
    const thread = key(harness, q.ts);
    expect((await desk.get(thread))?.state).toBe('resolved');
    const history = await desk.history(thread);
    expect(history.map((c) => c.state)).toEqual(['open', 'answered', 'resolved']);
    expect(history.at(-1)).toMatchObject({ by: ASKER, actor: 'person', at: expect.any(Number) });
    const ttl = await redis!.ttl(storeKeys(harness.prefix).deskHistory(thread));
    expect(ttl).toBeGreaterThan(29 * 86_400);
    const metrics = await (await fetch(`http://127.0.0.1:${harness.port}/metrics`)).text();
    expect(metrics).toContain('threadwise_desk_deflected_total 1');
  });

  it('a ✅ by the asker resolves a question the bot left alone and stops its timers', async () => {
    const { harness, desk } = await start({ confidence: 0.1 });
    const q = await ask(harness, 'Is the VPN down for everyone?');
    await harness.waitForLog((l) => l.msg === 'desk SLA clock started');
    await harness.send(
      reactionAdded({ user: COLLEAGUE, reaction: 'white_check_mark', channel: HELP, ts: q.ts, itemUser: ASKER }),
    );
    await harness.waitForLog((l) => l.msg === 'desk ✅ reaction' && l.outcome === 'not_asker');
    await harness.send(
      reactionAdded({ user: ASKER, reaction: 'white_check_mark', channel: HELP, ts: q.ts, itemUser: ASKER }),
    );
    await harness.waitForLog((l) => l.msg === 'desk ✅ reaction' && l.outcome === 'resolved');
    expect((await desk.get(key(harness, q.ts)))?.state).toBe('resolved');
    expect(await pendingTimers(harness)).toBe(0);
  });
});

describe('help-channel desk: privacy', () => {
  it('forget-me deletes the desk questions the caller asked, with their history', async () => {
    const { harness, desk } = await start({ confidence: 0.2 });
    const mine = await ask(harness, 'My salary slip is wrong');
    await harness.waitForLog((l) => l.msg === 'desk SLA clock started');
    const theirs = await ask(harness, 'Who orders new monitors?', COLLEAGUE);
    await harness.waitForLog((l) => l.msg === 'desk SLA clock started' && l.thread_ts === theirs.ts);

    const res = await harness.slash('forget-me', { user: ASKER, channel: HELP });
    expect(res.json.text).toContain('1 help-desk question with their history');
    expect(await desk.get(key(harness, mine.ts))).toBeUndefined();
    expect(await desk.history(key(harness, mine.ts))).toEqual([]);
    expect((await desk.get(key(harness, theirs.ts)))?.asker).toBe(COLLEAGUE);
    // The question also left the weekly gaps digest; the colleague's stays for it.
    expect(res.json.text).toContain('1 question kept for the weekly knowledge-gaps digest');
    const gaps = new RedisKnowledgeGaps(redis!, storeKeys(harness.prefix));
    expect((await gaps.between(0, Date.now() + 1)).map((g) => g.askedBy)).toEqual([COLLEAGUE]);
  });
});

describe('help-channel desk: the lead', () => {
  it('/threadwise stats and App Home show the counts to admins; /metrics has the same', async () => {
    const { harness } = await start({ confidence: 0.9 });
    const q = await ask(harness, 'How early do I have to book flights?');
    await harness.turnFinished(q.eventId);
    const [answer] = botReplies(harness, q.ts);
    await click(harness, ASKER, answer!.ts, q.ts, 'tw_desk_solved');
    await harness.waitForLog((l) => l.msg === 'desk thread resolved');
    harness.openai.setDefault((req) => (isGate(req) ? judgement(0.2) : { kind: 'text', text: ANSWER }));
    const silent = await ask(harness, 'Printer toner is empty on floor 3');
    await harness.waitForLog((l) => l.msg === 'desk SLA clock started');
    await harness.message({ user: COLLEAGUE, channel: HELP, thread_ts: silent.ts, text: 'On it.' });
    await harness.waitForLog((l) => l.msg === 'a person took over the desk thread');

    const stats = await harness.slash(`stats 7d <#${HELP}|help>`, { user: ADMIN, channel: HELP });
    expect(stats.json.response_type).toBe('ephemeral');
    const text = String(stats.json.text);
    expect(text).toContain('• Questions: 2');
    expect(text).toContain('• Answered by the bot: 1 (50%)');
    expect(text).toContain('• Solved without a person (deflection): 1 (50%)');
    expect(text).toContain('• Hand-offs: 0');
    expect(text).toContain('• SLA breaches: 0');
    expect(text).toMatch(/Median time to first human reply: 1 minute/);
    expect(text).toContain('printer (1)');
    expect((await harness.slash('stats 30d', { user: ASKER, channel: HELP })).json.text).toContain('Only the admins');
    expect((await harness.slash('stats 12d', { user: ADMIN, channel: HELP })).json.text).toContain("don't understand");

    await harness.send(appHomeOpened({ user: ADMIN, channel: 'D0ADMIN', tab: 'home' }));
    await harness.until(() => harness.slack.publishedHome(ADMIN) !== undefined, 'the admin home tab');
    expect(JSON.stringify(harness.slack.publishedHome(ADMIN))).toContain('Help desk, last 7 days');
    await harness.send(appHomeOpened({ user: ASKER, channel: 'D0ASKER', tab: 'home' }));
    await harness.until(() => harness.slack.publishedHome(ASKER) !== undefined, 'the asker home tab');
    expect(JSON.stringify(harness.slack.publishedHome(ASKER))).not.toContain('Help desk');

    const metrics = await (await fetch(`http://127.0.0.1:${harness.port}/metrics`)).text();
    expect(metrics).toContain('threadwise_desk_questions_total 2');
    expect(metrics).toContain('threadwise_desk_answered_total 1');
    expect(metrics).toContain('threadwise_desk_first_human_reply_seconds_count 1');
  });
});

describe('citations everywhere', () => {
  it('a desk answer drawn from an earlier resolved thread links to it by permalink', async () => {
    const { harness } = await start({ confidence: 0.2 });
    const first = await ask(harness, 'The floor 3 printer shows error E-42');
    await harness.waitForLog((l) => l.msg === 'desk SLA clock started');
    await harness.message({
      user: COLLEAGUE,
      channel: HELP,
      thread_ts: first.ts,
      text: 'Hold the reset button for 10 seconds.',
    });
    await harness.waitForLog((l) => l.msg === 'a person took over the desk thread');
    await harness.send(
      reactionAdded({ user: ASKER, reaction: 'white_check_mark', channel: HELP, ts: first.ts, itemUser: ASKER }),
    );
    await harness.waitForLog((l) => l.msg === 'desk thread resolved');

    harness.openai.setDefault((req) =>
      isGate(req)
        ? judgement(0.93)
        : { kind: 'text', text: 'Hold the reset button for 10 seconds, as in the earlier thread.' },
    );
    const again = await ask(harness, 'printer on floor 3 says E-42 again, what do I do?');
    await harness.turnFinished(again.eventId);
    const gate = harness.openai.responsesRequests().filter(isGate).at(-1)!;
    expect(JSON.stringify(gate.body.input)).toContain('Hold the reset button for 10 seconds.');
    const [answer] = botReplies(harness, again.ts);
    const permalink = `https://fake-team.slack.com/archives/${HELP}/p${first.ts.replace('.', '')}`;
    expect(answer!.text).toContain(`(${permalink})`);
    expect(answer!.text).toContain('[Earlier thread: The floor 3 printer shows error E-42]');
  });

  it('an answer outside the desk that used a policy and a ticket ends with both as links', async () => {
    const harness = new Harness({
      yaml: [
        'policies:',
        `  dir: ${JSON.stringify(policyDir())}`,
        'tickets:',
        '  provider: file',
        `  file: ${JSON.stringify(join(process.cwd(), 'examples/tickets.json'))}`,
        'access:',
        '  agents: [U1]',
      ].join('\n'),
    });
    h = await harness.start();
    harness.openai.enqueue(
      {
        kind: 'function_calls',
        calls: [
          // The tool's old name, as an older prompt or a stored thread calls it: it runs search_knowledge.
          { name: 'search_policies', arguments: JSON.stringify({ query: 'book flights' }) },
          { name: 'lookup_ticket', arguments: JSON.stringify({ ticket_id: 'SUP-101' }) },
        ],
      },
      { kind: 'text', text: 'Per the Travel Policy, book 14 days ahead; SUP-101 tracks the VPN problem.' },
    );
    const question = appMention({
      user: 'U1',
      channel: 'C0SUP1',
      text: `<@${harness.slack.botUserId}> how early do I book, and what about SUP-101?`,
    });
    const sent = await harness.send(question);
    await harness.turnFinished(sent.eventId);
    const [reply] = harness.replies('C0SUP1', String(question.ts));
    expect(reply!.text).toContain(`[Travel Policy › Booking](${TRAVEL_URL})`);
    expect(reply!.text).toContain('(https://support.example.com/tickets/SUP-101)');
    expect(reply!.text).toMatch(/\[SUP-101: [^\]]+\]\(https:\/\/support\.example\.com\/tickets\/SUP-101\)/);
  });
});

describe('help-channel desk without Redis', () => {
  it('keeps the same promises in one process: silence below the threshold, then the SLA escalation', async () => {
    const harness = new Harness({ redis: false, yaml: deskYaml() });
    harness.openai.setDefault((req) => (isGate(req) ? judgement(0.3) : { kind: 'text', text: ANSWER }));
    h = await harness.start();
    const q = await ask(harness, 'Can I expense a standing desk?');
    await harness.waitForLog((l) => l.msg === 'desk SLA clock started');
    await harness.waitForLog((l) => l.msg === 'desk SLA escalation' && l.level === 1);
    expect(botReplies(harness, q.ts).map((m) => m.text)).toEqual([
      '⏰ <!subteam^S0ONCALL> <@U7>: this question has been waiting 1 minute for a person.',
    ]);
  });
});

describe('help-channel desk on two replicas', () => {
  let other: Harness | undefined;
  afterEach(async () => {
    await other?.stop();
    other = undefined;
  });

  it('each SLA escalation fires on exactly one of them', async () => {
    const { harness } = await start({ confidence: 0.2 });
    other = new Harness({ yaml: deskYaml(), prefix: harness.prefix });
    other.openai.setDefault(() => judgement(0.2));
    await other.start();
    const q = await ask(harness, 'Who can reset my MFA?');
    // The second replica's Slack knows the thread too (it is one workspace in reality).
    other.slack.addMessage(HELP, { user: ASKER, text: 'Who can reset my MFA?', ts: q.ts });
    await harness.waitForLog((l) => l.msg === 'desk SLA clock started');
    const escalations = () =>
      [harness, other!].flatMap((r) => r.parsedLogs().filter((l) => l.msg === 'desk SLA escalation'));
    // Either replica may run a timer: wait on the logs of both.
    const second = () => escalations().some((l) => l.level === 2);
    // Promise.any keeps the other wait's eventual timeout handled.
    await Promise.any([harness.until(second, 'the second escalation'), other.until(second, 'the second escalation')]);
    expect(
      escalations()
        .map((l) => l.level)
        .sort(),
    ).toEqual([1, 2]);
    const posted = [harness, other].flatMap((r) => r.replies(HELP, q.ts).filter((m) => m.user === r.slack.botUserId));
    expect(posted).toHaveLength(2);
  });
});
