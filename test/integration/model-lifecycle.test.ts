import { afterEach, describe, expect, it } from 'vitest';
import { appHomeOpened } from '../fakes/slack-events.js';
import { Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.stop());

const DAY = 86_400_000;
/** A shutdown date `days` whole days from today (UTC), so the test reads the same on any day. */
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
const adminDms = () =>
  h.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.ok && String(c.args.channel).startsWith('D0') && /shuts down/.test(String(c.args.text)));
const checked = (n: number) =>
  h.until(() => h.parsedLogs().filter((l) => l.msg === 'model lifecycle checked').length >= n, `${n} lifecycle checks`);

describe('model shutdown guard', () => {
  it('warns admins by DM once per threshold, in the log, on App Home, in /metrics and /readyz, and not again after a restart', async () => {
    const date = inDays(20);
    h = await new Harness({
      yaml: 'limits:\n  admins: [U2]\ncontext:\n  summarize_model: gpt-4o-mini\n',
      openai: { shutdownDates: { 'gpt-4o': date, 'gpt-4o-mini': null } },
    }).start();
    await checked(1);
    // GET /v1/models/{id} for each model the configuration uses.
    const asked = h.openai.requests.filter((r) => r.method === 'GET').map((r) => r.path);
    expect(asked).toEqual(expect.arrayContaining(['/v1/models/gpt-4o', '/v1/models/gpt-4o-mini']));

    const warning = h.parsedLogs().find((l) => String(l.msg).startsWith('model lifecycle: gpt-4o shuts down'));
    expect(warning).toMatchObject({ level: 40, model: 'gpt-4o' });
    expect(String(warning!.msg)).toContain(`on ${date} (in 20 days)`);

    const dms = adminDms();
    expect(dms).toHaveLength(1);
    expect(dms[0]!.args.channel).toBe('D02');
    expect(String(dms[0]!.args.text)).toContain(`\`gpt-4o\` shuts down on ${date}`);
    expect(String(dms[0]!.args.text)).toContain('again 7 and 1 days before');

    const metrics = await (await fetch(`http://127.0.0.1:${h.port}/metrics`)).text();
    expect(metrics).toMatch(/threadwise_model_shutdown_days\{model="gpt-4o"\} 20/);
    expect(metrics).not.toContain('threadwise_model_shutdown_days{model="gpt-4o-mini"}');

    const ready = await fetch(`http://127.0.0.1:${h.port}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { details?: Record<string, string> };
    expect(body.details?.models).toContain(`gpt-4o shuts down on ${date}`);

    await h.send(appHomeOpened({ user: 'U2', channel: 'D0HOME2', tab: 'home' }));
    await h.send(appHomeOpened({ user: 'U1', channel: 'D0HOME1', tab: 'home' }));
    await h.until(() => Boolean(h.slack.publishedHome('U2') && h.slack.publishedHome('U1')), 'both homes');
    expect(JSON.stringify(h.slack.publishedHome('U2')!.blocks)).toContain('Models need attention');
    expect(JSON.stringify(h.slack.publishedHome('U1')!.blocks)).not.toContain('Models need attention');

    // Another replica or a restart checks again: the shared ledger keeps the admins from hearing it twice.
    await h.restart();
    await checked(2);
    expect(adminDms()).toHaveLength(1);
  });

  it('stays quiet for models without a shutdown date and for servers without the Models endpoint', async () => {
    h = await new Harness({ yaml: 'limits:\n  admins: [U2]\n', openai: { shutdownDates: { 'gpt-4o': null } } }).start();
    await checked(1);
    expect(h.parsedLogs().filter((l) => String(l.msg).startsWith('model lifecycle:'))).toEqual([]);
    expect(adminDms()).toEqual([]);
    await h.stop();

    h = await new Harness({
      yaml: 'limits:\n  admins: [U2]\nopenai:\n  compat:\n    preset: vllm\n',
      openai: { profile: 'vllm' },
    }).start();
    await checked(1);
    const line = h.parsedLogs().find((l) => l.msg === 'model lifecycle checked');
    expect(line!.models).toEqual([{ model: 'gpt-4o', state: 'unknown' }]);
    expect(h.parsedLogs().filter((l) => l.level === 40 && String(l.msg).startsWith('model lifecycle'))).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${h.port}/readyz`)).status).toBe(200);
  });

  it('reports not ready, naming the model, when the default model is gone and no fallback is set', async () => {
    h = new Harness({ yaml: 'defaults:\n  model: gpt-4o-2024-05-13\n' });
    h.openai.retire('gpt-4o');
    await h.start();
    await checked(1);
    const ready = await fetch(`http://127.0.0.1:${h.port}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { checks: Record<string, boolean>; details?: Record<string, string> };
    expect(body.checks.models).toBe(false);
    expect(body.details?.models).toContain('gpt-4o-2024-05-13 is not available at OpenAI (model_not_found)');
  });
});

describe('openai.fallback_model', () => {
  it('answers on the fallback at once when the model starts answering model_not_found mid-run, tells admins once, and logs which model answered', async () => {
    h = await new Harness({ yaml: 'limits:\n  admins: [U2]\nopenai:\n  fallback_model: gpt-4o-mini\n' }).start();
    const first = await h.mention({ text: 'before the shutdown' });
    await h.turnFinished(first.eventId);
    h.openai.retire('gpt-4o');

    const second = await h.mention({ text: 'after the shutdown', ts: '1700000100.000100' });
    expect(await h.turnFinished(second.eventId)).toMatchObject({ outcome: 'answered' });
    const root = h.slack.messages('C0SUP1').find((m) => m.text?.includes('after the shutdown'))!;
    expect(
      h
        .replies('C0SUP1', root.ts)
        .map((m) => m.text)
        .join(''),
    ).toContain('Hello from the fake model.');
    const answered = h.parsedLogs().filter((l) => l.event === 'model_call' && l.fallback_from === 'gpt-4o');
    expect(answered).toHaveLength(1);
    expect(answered[0]).toMatchObject({
      requested_model: 'gpt-4o',
      model: 'gpt-4o-mini-2024-07-18',
      status: 'completed',
    });
    const told = () =>
      h.slack.callsTo('chat.postMessage').filter((c) => c.ok && /OpenAI no longer serves/.test(String(c.args.text)));
    expect(told()).toHaveLength(1);
    expect(String(told()[0]!.args.text)).toContain('`gpt-4o-mini-2024-07-18`');

    // The next turn goes straight to the fallback: no second failed call to the retired model, no second DM.
    const before = h.openai.responsesRequests().filter((r) => r.body.model === 'gpt-4o').length;
    const third = await h.mention({ text: 'still there?', ts: '1700000200.000100' });
    expect(await h.turnFinished(third.eventId)).toMatchObject({ outcome: 'answered' });
    expect(h.openai.responsesRequests().filter((r) => r.body.model === 'gpt-4o').length).toBe(before);
    expect(told()).toHaveLength(1);
  });

  it('without a fallback, says plainly that the model is gone', async () => {
    h = await new Harness().start();
    h.openai.retire('gpt-4o');
    const sent = await h.mention({ text: 'hello?' });
    expect(await h.turnFinished(sent.eventId)).toMatchObject({ outcome: 'failed' });
    const root = h.slack.messages('C0SUP1')[0]!;
    const text = h
      .replies('C0SUP1', root.ts)
      .map((m) => m.text)
      .join('');
    expect(text).toContain('no longer available at OpenAI');
    expect(text).toContain('openai.fallback_model');
  });
});

describe('reasoning models', () => {
  it('send the lowest effort for chat, a channel’s own effort, no sampling parameters, and count reasoning tokens', async () => {
    h = await new Harness({
      yaml: [
        'defaults:\n  model: gpt-6-luna',
        'channels:\n  C0SUP2:\n    reasoning_effort: high\n    reasoning_summary: auto',
        'openai:\n  prompt_cache_retention: 24h',
        'pricing:\n  models:\n    gpt-6-luna: { input: 1, cached_input: 0.1, output: 8, cache_write: 1.25 }',
      ].join('\n'),
    }).start();
    const chat = await h.mention({ text: 'quick one' });
    await h.turnFinished(chat.eventId);
    const req = h.openai.responsesRequests().at(-1)!.body;
    expect(req.reasoning).toEqual({ effort: 'low' });
    expect(req.prompt_cache_retention).toBe('24h');
    expect(req).not.toHaveProperty('temperature');
    expect(req).not.toHaveProperty('top_p');
    const line = h.parsedLogs().find((l) => l.event === 'model_call' && l.status === 'completed')!;
    expect(line.reasoning_tokens).toBe(64);
    const output = Number(line.output_tokens);
    expect(output).toBeGreaterThan(64);
    const input = Number(line.input_tokens);
    expect(Number(line.cost_usd)).toBeCloseTo((input * 1 + output * 8) / 1e6, 8);

    const deep = await h.mention({ text: 'think hard', channel: 'C0SUP2', ts: '1700000300.000100' });
    await h.turnFinished(deep.eventId);
    const deepReq = h.openai.responsesRequests().at(-1)!.body;
    expect(deepReq.reasoning).toEqual({ effort: 'high', summary: 'auto' });
    const root = h.slack.messages('C0SUP2')[0]!;
    // The summary is shown while thinking, never as part of the answer.
    expect(
      h
        .replies('C0SUP2', root.ts)
        .map((m) => m.text)
        .join(''),
    ).not.toContain('Thinking it through');
  });

  it('leave reasoning and prompt_cache_retention out for gpt-4o', async () => {
    h = await new Harness({ yaml: 'openai:\n  reasoning_effort: high\n  prompt_cache_retention: 24h\n' }).start();
    const sent = await h.mention({ text: 'hello' });
    expect(await h.turnFinished(sent.eventId)).toMatchObject({ outcome: 'answered' });
    const req = h.openai.responsesRequests().at(-1)!.body;
    expect(req).not.toHaveProperty('reasoning');
    expect(req).not.toHaveProperty('prompt_cache_retention');
  });
});
