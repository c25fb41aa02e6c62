import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { when } from '../../../src/features/offline/batch/requests.js';
import { FakeOpenAI, type FakeOpenAIOptions, type Script } from '../../fakes/openai-server.js';
import { FakeSlack, type FakeSlackOptions } from '../../fakes/slack-api.js';
import { CliRunner, OPENAI_KEY } from './cli-harness.js';

let slack: FakeSlack;
let openai: FakeOpenAI;
afterEach(async () => Promise.all([slack?.close(), openai?.close()]));

const DAY = 86_400;
const triage = (over: Record<string, unknown>) => ({
  title: 'Export fails with HTTP 500',
  summary: 'CSV export fails for large workspaces.',
  severity: 'high',
  category: 'bug',
  component: 'exports',
  steps_to_reproduce: ['Open Reports', 'Click Export CSV'],
  suggested_owner: 'data-platform',
  confidence: 0.8,
  ...over,
});

/** The model's answer depends on which thread a request carries, so the order of processing does not matter. */
function answerByThread(body: { input?: Array<{ content: Array<{ text: string }> }> }): Script {
  const text = body.input?.[0]?.content[0]?.text ?? '';
  if (text.includes('export')) return { kind: 'json', value: triage({}) };
  if (text.includes('login page'))
    return {
      kind: 'json',
      value: triage({
        title: 'Login page down',
        severity: 'critical',
        component: 'auth',
        suggested_owner: null,
        confidence: 0.95,
      }),
    };
  if (text.includes('dark mode')) return { kind: 'json', value: { title: 'Dark mode', severity: 'urgent' } };
  return {
    kind: 'http_error',
    status: 500,
    error: { message: 'The server had an error processing your request.', type: 'server_error', code: 'server_error' },
  };
}

async function setup(opts: { slack?: FakeSlackOptions; openai?: FakeOpenAIOptions; yaml?: string } = {}) {
  const runner = new CliRunner({});
  slack = new FakeSlack({
    users: {
      U1: { name: 'ada', real_name: 'Ada Lovelace', display_name: 'Ada' },
      U2: { name: 'grace', real_name: 'Grace Hopper', display_name: 'Grace' },
    },
    channels: { C0SUP1: { name: 'support' }, C0DIGEST: { name: 'triage-digest' } },
    now: () => runner.clock,
    ...opts.slack,
  });
  openai = new FakeOpenAI({ apiKey: OPENAI_KEY, ...opts.openai });
  const env = {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_API_URL: await slack.start(),
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: await openai.start(),
  };
  runner.env = env;
  openai.setDefault((req) => answerByThread(req.body));
  const now = runner.clock / 1000;
  const ts = (agoSeconds: number, micro = 100) => `${Math.floor(now - agoSeconds)}.${String(micro).padStart(6, '0')}`;
  return { runner, ts, env };
}

function seedChannel(ts: (ago: number, micro?: number) => string) {
  const login = slack.addMessage('C0SUP1', {
    user: 'U1',
    text: 'The login page shows a blank screen for everyone',
    ts: ts(2 * DAY),
  });
  slack.addMessage('C0SUP1', {
    user: 'U2',
    text: 'Same here since 9:00, <@U1> did you clear the cache?',
    ts: ts(2 * DAY - 60),
    thread_ts: login,
  });
  slack.addMessage('C0SUP1', {
    user: slack.botUserId,
    text: 'I answered this already (bot message, not part of the report)',
    ts: ts(2 * DAY - 90),
    thread_ts: login,
    bot_id: slack.botId,
  });
  const exp = slack.addMessage('C0SUP1', {
    user: 'U2',
    text: 'CSV export returns a 500, card 4111 1111 1111 1111 was charged',
    ts: ts(1 * DAY),
    files: [{ id: 'F1', name: 'export-error.png' }],
  });
  slack.addMessage('C0SUP1', {
    user: 'U1',
    text: 'Steps: open Reports, click Export CSV',
    ts: ts(1 * DAY - 30),
    thread_ts: exp,
  });
  slack.addMessage('C0SUP1', { user: 'U1', text: 'Could we get a dark mode?', ts: ts(3 * 3600) });
  slack.addMessage('C0SUP1', { user: 'U2', text: 'Something weird happened', ts: ts(3600) });
  slack.addMessage('C0SUP1', { user: 'U1', text: 'Old report from last month about exports', ts: ts(30 * DAY) });
}

const uploadedLines = () => {
  const file = [...openai.batches.files.values()].find((f) => f.object.purpose === 'batch')!;
  return file.content
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
};

describe('threadwise batch triage', () => {
  it('reads the channel, submits Batch JSONL for /v1/responses, and writes a report matched by custom_id', async () => {
    const { runner, ts } = await setup({ openai: { batches: { pollsInProgress: 2 } } });
    seedChannel(ts);
    const out = runner.path('report.md');
    const run = await runner.run([
      'batch',
      'triage',
      '--channel',
      'C0SUP1',
      '--since',
      '7d',
      '--out',
      out,
      '--yes',
      '--poll-interval',
      '10s',
    ]);

    // The JSONL: one line per thread in the window, in the documented BatchRequestInput shape.
    const lines = uploadedLines();
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ custom_id: `triage-C0SUP1-${ts(2 * DAY)}`, method: 'POST', url: '/v1/responses' });
    expect(lines[0].body).toMatchObject({
      model: 'gpt-4o',
      store: false,
      text: { format: { type: 'json_schema', name: 'triage', strict: true } },
    });
    expect(lines[0].body.text.format.schema.required).toEqual([
      'title',
      'summary',
      'severity',
      'category',
      'component',
      'steps_to_reproduce',
      'suggested_owner',
      'confidence',
    ]);
    const loginText = lines[0].body.input[0].content[0].text;
    expect(loginText).toContain('Ada: The login page shows a blank screen for everyone');
    expect(loginText).toContain('Grace: Same here since 9:00, @Ada did you clear the cache?');
    expect(loginText).not.toContain('bot message');
    expect(lines[1].body.input[0].content[0].text).toContain('(attached: export-error.png)');
    expect(JSON.stringify(lines)).not.toContain('Old report from last month');
    const batchCreate = openai.requests.find((r) => r.method === 'POST' && r.path === '/v1/batches')!;
    expect(batchCreate.body).toMatchObject({
      endpoint: '/v1/responses',
      completion_window: '24h',
      metadata: { app: 'threadwise', job: 'batch_triage', channel: 'C0SUP1' },
    });

    // Cost estimate before submitting, progress while polling.
    expect(run.stdout).toMatch(
      /4 requests to gpt-4o: about [\d,]+ input tokens, ~1,200 output tokens \(at most 4,096\)/,
    );
    expect(run.stdout).toMatch(/Estimated cost with the Batch API \(50% off\): \$0\.\d+/);
    expect(run.stderr).toMatch(/Batch batch_\w+: in_progress, 0\/4 done/);
    expect(run.stderr).toMatch(/Batch batch_\w+: completed, 4\/4 done, 1 failed/);
    expect(runner.sleeps.filter((ms) => ms === 10_000).length).toBeGreaterThanOrEqual(3);

    // The report: most severe first, invalid and failed outputs listed, never dropped.
    const report = readFileSync(out, 'utf8');
    expect(report).toContain('# Triage of #support, the last 7 days');
    expect(report).toContain('4 threads: 1 critical, 1 high; 2 not triaged');
    const table = report.split('\n').filter((l) => l.startsWith('| '));
    expect(table[1]).toContain('🔴 critical | Login page down | bug | auth | — | 95% |');
    expect(table[2]).toContain('🟠 high | Export fails with HTTP 500 | bug | exports | data-platform | 80% |');
    expect(report).toContain(
      `[${when(ts(2 * DAY))}](https://fake-team.slack.com/archives/C0SUP1/p${ts(2 * DAY).replace('.', '')})`,
    );
    expect(when('1778578860.000100')).toBe('2026-05-12 09:41 UTC');
    expect(report).toContain('1. Open Reports');
    expect(report).toMatch(/invalid: the output does not match the triage schema \(.*severity: Invalid option/);
    expect(report).toContain('failed: HTTP 500 server_error: The server had an error processing your request.');
    expect(run.stdout).toContain('2 of 4 threads triaged');
    expect(run.code).toBe(1);
  });

  it('waits out Slack rate limits while paging through history and replies', async () => {
    const { runner, ts } = await setup({ slack: { rateLimits: 'tiers', tierScale: 0.02 } });
    seedChannel(ts);
    const run = await runner.run([
      'batch',
      'triage',
      '--channel',
      'C0SUP1',
      '--since',
      '7d',
      '--out',
      runner.path('r.md'),
      '--yes',
      '--poll-interval',
      '1s',
    ]);
    expect(slack.rateLimitedCount('conversations.replies')).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/Slack rate-limited conversations\.replies; waiting \d+ s as asked/);
    expect(uploadedLines()).toHaveLength(4);
    expect(uploadedLines()[1].body.input[0].content[0].text).toContain('Steps: open Reports');
  });

  it('redacts PII in the batch input when privacy.redact_before_openai is on', async () => {
    const { runner, ts, env } = await setup();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(runner.path('tw.yml'), 'privacy:\n  redact_before_openai: true\n');
    Object.assign(env, { THREADWISE_CONFIG: runner.path('tw.yml') });
    seedChannel(ts);
    await runner.run([
      'batch',
      'triage',
      '--channel',
      'C0SUP1',
      '--since',
      '7d',
      '--out',
      runner.path('r.md'),
      '--yes',
      '--no-wait',
    ]);
    const text = JSON.stringify(uploadedLines());
    expect(text).toContain('card [REDACTED_CARD] was charged');
    expect(text).not.toContain('4111');
  });

  it('asks before spending money, and submits nothing without a yes', async () => {
    const { runner, ts } = await setup();
    seedChannel(ts);
    const run = await runner.run(['batch', 'triage', '--channel', 'C0SUP1', '--since', '7d']);
    expect(run.stdout).toContain('Estimated cost');
    expect(run.stderr).toContain('pass --yes to submit without a prompt');
    expect(run.stdout).toContain('Not submitted.');
    expect(openai.batches.files.size).toBe(0);
    expect(run.code).toBe(1);
  });

  it('resumes an interrupted run by batch id, writes CSV and posts a digest', async () => {
    const { runner, ts } = await setup({ openai: { batches: { pollsInProgress: 3 } } });
    seedChannel(ts);
    const interrupt = new AbortController();
    let polls = 0;
    const first = await runner.run(['batch', 'triage', '--channel', 'C0SUP1', '--since', '7d', '--yes'], {
      signal: interrupt.signal,
      sleep: async (_ms, signal) => {
        if (++polls === 2) interrupt.abort(new Error('Ctrl-C'));
        if (signal?.aborted) throw signal.reason;
      },
    });
    const id = /Resume with: threadwise batch triage --resume (batch_\w+)/.exec(first.stdout)?.[1];
    expect(first.code).toBe(130);
    expect(first.stdout).toContain('Stopped waiting. The batch keeps running at OpenAI.');
    expect(id).toBeDefined();

    const out = runner.path('triage.csv');
    const resumed = await runner.run(['batch', 'triage', '--resume', id!, '--out', out, '--post', 'C0DIGEST']);
    expect(resumed.stdout).toContain(`Resuming batch ${id}`);
    const csv = readFileSync(out, 'utf8').trim().split('\n');
    expect(csv[0]).toBe(
      'channel,thread_ts,link,status,severity,title,category,component,suggested_owner,confidence,summary,steps_to_reproduce,problem',
    );
    expect(csv[1]).toContain(`C0SUP1,${ts(2 * DAY)},https://fake-team.slack.com/archives/C0SUP1/p`);
    expect(csv[1]).toContain(',triaged,critical,Login page down,bug,auth,,0.95,');
    expect(csv.filter((l) => l.includes(',failed,') || l.includes(',invalid,'))).toHaveLength(2);

    const digest = slack.messages('C0DIGEST').at(-1)!;
    expect(digest.text).toContain(
      '**Triage of #support, the last 7 days** — 4 threads: 1 critical, 1 high; 2 not triaged',
    );
    expect(digest.text).toContain(
      `- 🔴 **critical** [Login page down](https://fake-team.slack.com/archives/C0SUP1/p${ts(2 * DAY).replace('.', '')}) — auth`,
    );
    expect(resumed.stdout).toContain('Digest posted to C0DIGEST.');
  });

  it('reports requests an expired batch never ran as missing, keeping the finished ones', async () => {
    const { runner, ts } = await setup({ openai: { batches: { pollsInProgress: 4, expireAfter: 2 } } });
    seedChannel(ts);
    const out = runner.path('r.md');
    const run = await runner.run(['batch', 'triage', '--channel', 'C0SUP1', '--since', '7d', '--out', out, '--yes']);
    expect(run.stdout).toMatch(/Batch batch_\w+ expired: 2 of 4 threads triaged/);
    expect(readFileSync(out, 'utf8')).toContain(
      'failed: batch_expired: This request could not be executed before the completion window expired.',
    );
  });

  it('refuses to resume a batch that is not a Threadwise triage', async () => {
    const { runner } = await setup();
    const OpenAI = (await import('openai')).default;
    const client = new OpenAI({ apiKey: OPENAI_KEY, baseURL: runner.env.OPENAI_BASE_URL });
    const { toFile } = await import('openai');
    const file = await client.files.create({ file: await toFile(Buffer.from('{}\n'), 'x.jsonl'), purpose: 'batch' });
    const other = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/responses',
      completion_window: '24h',
      metadata: { job: 'someone-else' },
    });
    const run = await runner.run(['batch', 'triage', '--resume', other.id]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('is not a Threadwise triage batch');
  });

  it('explains bad flags instead of failing later', async () => {
    const { runner } = await setup();
    expect((await runner.run(['batch', 'triage', '--channel', 'C0SUP1', '--since', 'a week'])).stderr).toContain(
      '"a week" is not a duration',
    );
    const r2 = await runner.run(['batch', 'triage', '--since', '7d']);
    expect(r2.code).toBe(2);
    const unknown = await runner.run(['batch', 'triage', '--chanel', 'C1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--chanel'");
  });
});
