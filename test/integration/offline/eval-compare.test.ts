import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOpenAI, type RecordedRequest, type Script } from '../../fakes/openai-server.js';
import { CliRunner, OPENAI_KEY } from './cli-harness.js';

let openai: FakeOpenAI;
afterEach(async () => openai?.close());

const text = (r: RecordedRequest) => JSON.stringify(r.body.input);

/** The baseline answers well, the candidate badly; the grader passes an answer only when it is the good one. */
function model(req: RecordedRequest): Script {
  if (req.body.text?.format?.name === 'grade') {
    const pass = text(req).includes('GOOD');
    return {
      kind: 'json',
      value: { reasoning: pass ? 'Fine.' : 'Off.', verdict: pass ? 'pass' : 'fail', score: pass ? 1 : 0 },
    };
  }
  if (String(req.body.model).startsWith('gpt-6-luna')) return { kind: 'text', text: 'Not sure.' };
  return { kind: 'text', text: 'GOOD: 1. In progress\n2. fix on 2026-05-14 {"severity":"high"}' };
}

async function setup() {
  openai = new FakeOpenAI({ apiKey: OPENAI_KEY, shutdownDates: { 'gpt-4o': '2027-01-14' } });
  const runner = new CliRunner({ OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: await openai.start() });
  runner.clock = Date.parse('2026-12-03T09:00:00Z');
  openai.setDefault(model);
  return runner;
}

describe('threadwise eval --compare', () => {
  it('runs the starter suites on both models, prints them side by side, writes a Markdown review and fails under the threshold', async () => {
    const runner = await setup();
    const out = runner.path('review.json');
    const report = runner.path('review.md');
    const run = await runner.run([
      'eval',
      '--compare',
      'gpt-4o,gpt-6-luna',
      '--threshold',
      '50%',
      '--out',
      out,
      '--report',
      report,
      '--concurrency',
      '2',
    ]);
    // The baseline's announced shutdown is named before anything runs.
    expect(run.stdout.match(/Note: gpt-4o shuts down on 2027-01-14 \(in 42 days\)/g)).toHaveLength(1);
    const models = openai.responsesRequests().filter((r) => r.body.text?.format?.name !== 'grade');
    expect(new Set(models.map((r) => r.body.model))).toEqual(new Set(['gpt-4o', 'gpt-6-luna']));
    // The candidate is a reasoning model: its requests carry the chat effort, the baseline's none.
    expect(models.find((r) => r.body.model === 'gpt-6-luna')!.body.reasoning).toEqual({ effort: 'low' });
    expect(models.find((r) => r.body.model === 'gpt-4o')!.body).not.toHaveProperty('reasoning');

    expect(run.stdout).toMatch(/│ Pass rate\s+│ [\d.]+% \(\d+\/15\)\s+│ 0\.0% \(0\/15\)/);
    expect(run.stdout).toMatch(/│ support-answers\/ticket-status\s+│ \w+ → FAIL/);
    expect(run.stdout).toContain('First token');
    expect(run.stdout).toContain('gpt-6-luna: 0/15 cases passed (0.0%); threshold 50.0%: FAIL');
    expect(run.code).toBe(1);

    const md = readFileSync(report, 'utf8');
    expect(md).toContain('# Model review: gpt-4o → gpt-6-luna');
    expect(md).toMatch(/\| Pass rate \| [\d.]+% \(\d+\/15\) \| 0\.0% \(0\/15\) \|/);
    expect(md).toMatch(/\| support-answers\/ticket-status \| \w+ \| FAIL \|/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.ok).toBe(false);
    expect(json.baseline.model).toBe('gpt-4o');
    expect(json.candidate.cases).toHaveLength(15);
    // Reasoning tokens are part of what the candidate used.
    const luna = json.candidate.cases.find((c: { usage?: unknown }) => c.usage);
    expect(luna.usage.outputTokens).toBeGreaterThan(64);
  });

  it('passes when the candidate reaches the threshold, and refuses a malformed pair', async () => {
    const runner = await setup();
    const ok = await runner.run([
      'eval',
      '--compare',
      'gpt-4o,gpt-6-luna',
      '--threshold',
      '0',
      '--suite',
      'policy-questions',
      '--out',
      runner.path('r.json'),
      '--report',
      runner.path('r.md'),
    ]);
    expect(ok.code).toBe(0);
    const bad = await runner.run(['eval', '--compare', 'gpt-4o']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--compare expects two different models');
  });
});
