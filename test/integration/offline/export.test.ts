import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSuite } from '../../../src/features/offline/eval/cases.js';
import { RedisFeedbackStore } from '../../../src/platform/store/feedback.js';
import { storeKeys } from '../../../src/platform/store/keys.js';
import { RedisThreadStore } from '../../../src/platform/store/redis/redis-stores.js';
import { FakeOpenAI } from '../../fakes/openai-server.js';
import { REDIS_URL, testRedis } from '../../support/test-redis.js';
import { seedFixture } from '../../unit/features/offline/fixture-threads.js';
import { CliRunner, OPENAI_KEY } from './cli-harness.js';

const { redis, fresh } = testRedis();

/** The fixture threads stored the way the bot stores them, feedback given a day ago, and a CLI pointed at them. */
async function setup() {
  const prefix = fresh();
  const keys = storeKeys(prefix);
  const runner = new CliRunner({});
  await seedFixture(
    new RedisThreadStore(redis, keys, 3600, 20),
    new RedisFeedbackStore(redis, keys),
    runner.clock - 86_400_000,
  );
  writeFileSync(
    runner.path('tw.yml'),
    `state:\n  key_prefix: "${prefix}"\ndefaults:\n  instructions: You are the Acme support assistant.\n`,
  );
  runner.env = { REDIS_URL, THREADWISE_CONFIG: runner.path('tw.yml') };
  return runner;
}

describe('threadwise export finetune', () => {
  it('writes well-rated threads as redacted chat fine-tuning JSONL and badly rated answers as eval cases', async () => {
    const runner = await setup();
    writeFileSync(
      runner.path('tools.json'),
      JSON.stringify([
        {
          type: 'function',
          name: 'lookup_ticket',
          description: 'Look up a ticket',
          parameters: { type: 'object', properties: { id: { type: 'string' } } },
        },
      ]),
    );
    const out = runner.path('data.jsonl');
    const evalOut = runner.path('from-feedback.yaml');
    const run = await runner.run([
      'export',
      'finetune',
      '--since',
      '30d',
      '--out',
      out,
      '--eval-out',
      evalOut,
      '--tools',
      runner.path('tools.json'),
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('8 votes in the last 30 days on 3 threads: 2 well-rated and 2 badly rated answers.');
    expect(run.stdout).toContain('1 fine-tuning examples written to');
    expect(run.stdout).toContain('Note: OpenAI needs at least 10 examples');
    expect(run.stdout).toMatch(/Redacted: 3 emails, 1 iban, 1 card, 1 phone\./);

    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0].messages[0]).toEqual({ role: 'system', content: 'You are the Acme support assistant.' });
    expect(lines[0].messages.filter((m: { weight?: number }) => m.weight === 1)).toHaveLength(2);
    expect(lines[0].tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'lookup_ticket',
          description: 'Look up a ticket',
          parameters: { type: 'object', properties: { id: { type: 'string' } } },
        },
      },
    ]);
    const all = readFileSync(out, 'utf8');
    expect(all).not.toContain('ada@example.com');
    expect(all).not.toContain('7946');

    const suite = parseSuite(readFileSync(evalOut, 'utf8'), evalOut);
    expect(suite.name).toBe('from-feedback');
    expect(suite.cases.map((c) => c.id)).toEqual(['fb-c0sup1-1715500205-000600', 'fb-d0dm1-1715600004-000200']);
    expect(suite.cases[0]!.expect.rubric).toContain('«It will definitely be fixed tomorrow.»');
    expect(suite.cases[1]!.input).toBe('Refund to card [REDACTED_CARD] please, my IBAN is [REDACTED_IBAN]');
    expect(readFileSync(evalOut, 'utf8')).not.toContain('4111');
  });

  it('adds only new cases to an existing suite, keeping rubrics people sharpened', async () => {
    const runner = await setup();
    const evalOut = runner.path('from-feedback.yaml');
    await runner.run(['export', 'finetune', '--out', runner.path('a.jsonl'), '--eval-out', evalOut]);
    writeFileSync(
      evalOut,
      readFileSync(evalOut, 'utf8').replace(
        /rubric: [\s\S]*?(?=\n {2}- id:)/,
        'rubric: Says no date is known yet and offers to ask the assignee.',
      ),
    );
    const again = await runner.run(['export', 'finetune', '--out', runner.path('b.jsonl'), '--eval-out', evalOut]);
    expect(again.stdout).toContain('0 new eval cases added');
    const suite = parseSuite(readFileSync(evalOut, 'utf8'), evalOut);
    expect(suite.cases).toHaveLength(2);
    expect(suite.cases[0]!.expect.rubric).toBe('Says no date is known yet and offers to ask the assignee.');
  });

  it('only reads feedback inside --since', async () => {
    const runner = await setup();
    const run = await runner.run([
      'export',
      'finetune',
      '--since',
      '1h',
      '--out',
      runner.path('a.jsonl'),
      '--eval-out',
      runner.path('e.yaml'),
    ]);
    expect(run.stdout).toContain('0 votes in the last 1 hour on 0 threads');
    expect(readFileSync(runner.path('a.jsonl'), 'utf8')).toBe('');
  });

  it('by default turns badly rated answers into eval cases, writes no training file, and says which models can still be fine-tuned', async () => {
    const runner = await setup();
    runner.clock = Date.parse('2026-12-03T09:00:00Z');
    const evalOut = runner.path('from-feedback.yaml');
    const run = await runner.run(['export', 'finetune', '--since', '400d', '--eval-out', evalOut]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Fine-tuning: gpt-4o can still be fine-tuned, but not for long');
    expect(run.stdout).toContain(
      "• gpt-4o: new fine-tuning jobs until 2027-01-06 (35 days left). It and the fine-tunes built on it shut down on 2027-01-14 (OpenAI's deprecations notice, in 42 days).",
    );
    expect(run.stdout).toContain('1 fine-tuning examples not written: pass --out <file.jsonl> to write them.');
    expect(run.stdout).toContain('2 new eval cases added');
    expect(existsSync(runner.path('finetune.jsonl'))).toBe(false);
    expect(parseSuite(readFileSync(evalOut, 'utf8'), evalOut).cases).toHaveLength(2);

    // After 2027-01-06 nothing takes new jobs, and a model the Models API no longer knows says so.
    runner.clock = Date.parse('2027-01-10T09:00:00Z');
    writeFileSync(
      runner.path('tw.yml'),
      `${readFileSync(runner.path('tw.yml'), 'utf8')}channels:\n  C0NEW:\n    model: gpt-6-luna\n`,
    );
    const later = await runner.run(['export', 'finetune', '--since', '400d', '--eval-out', evalOut]);
    expect(later.stdout).toContain('Fine-tuning: none of the configured models can be fine-tuned any more');
    expect(later.stdout).toContain('• gpt-4o: self-serve fine-tuning closed after 2027-01-06.');
    expect(later.stdout).toContain('• gpt-6-luna: no self-serve fine-tuning.');
  });

  it('reads shutdown dates from the Models API when an OpenAI key is configured', async () => {
    const runner = await setup();
    runner.clock = Date.parse('2026-12-03T09:00:00Z');
    const openai = new FakeOpenAI({ apiKey: OPENAI_KEY, shutdownDates: { 'gpt-4o': '2026-12-31' } });
    try {
      runner.env = { ...runner.env, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: await openai.start() };
      const run = await runner.run(['export', 'finetune', '--eval-out', runner.path('e.yaml')]);
      expect(run.stdout).toContain('shut down on 2026-12-31 (the Models API, in 28 days)');
      expect(openai.requests.map((r) => r.path)).toEqual(['/v1/models/gpt-4o']);
    } finally {
      await openai.close();
    }
  });

  it('needs REDIS_URL and says so', async () => {
    const runner = new CliRunner({});
    const run = await runner.run(['export', 'finetune']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('REDIS_URL is required for this command');
  });
});
