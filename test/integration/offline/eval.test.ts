import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { type EvalSuite, isGateSuite, loadSuites } from '../../../src/features/offline/eval/cases.js';
import { TOOL_SPECS } from '../../../src/features/tools/specs.js';
import { TOOL_INSTRUCTIONS } from '../../../src/turn/build-request.js';
import { FakeOpenAI, type RecordedRequest, type Script } from '../../fakes/openai-server.js';
import { CliRunner, OPENAI_KEY } from './cli-harness.js';

let openai: FakeOpenAI;
afterEach(async () => openai?.close());

const SUITE = `
name: support
tools:
  - name: lookup_ticket
    returns: { id: SUP-482, status: In progress, eta: "2026-05-14" }
cases:
  - id: ticket-status
    input: What's the status of SUP-482?
    expect:
      tool_calls: [{ name: lookup_ticket, arguments: { ticket_id: sup-482 } }]
      contains: [in progress]
      rubric: Says the ticket is in progress and gives the ETA.
  - id: screenshot
    input: What does this error mean?
    images: [shot.png]
    expect:
      regex: ['/HTTP 500/']
      json_schema: { type: object, required: [severity], properties: { severity: { enum: [low, high] } } }
  - id: no-tools-please
    input: Say hello
    expect:
      no_tool_calls: true
      not_contains: [goodbye]
`;

const text = (r: RecordedRequest) => JSON.stringify(r.body.input);

/** A scripted model: calls the tool first, answers from its output, grades by looking at the graded answer. */
function model(req: RecordedRequest): Script {
  const body = req.body;
  if (body.text?.format?.name === 'grade') {
    const pass = text(req).includes('2026-05-14');
    return {
      kind: 'json',
      value: {
        reasoning: pass ? 'Status and ETA given.' : 'No ETA.',
        verdict: pass ? 'pass' : 'fail',
        score: pass ? 0.9 : 0.2,
      },
    };
  }
  if (text(req).includes('SUP-482')) {
    if (!text(req).includes('function_call_output'))
      return { kind: 'function_calls', calls: [{ name: 'lookup_ticket', arguments: '{"ticket_id":"SUP-482"}' }] };
    return { kind: 'text', text: 'SUP-482 is **In progress**; the fix ships on 2026-05-14.' };
  }
  if (text(req).includes('input_image'))
    return { kind: 'text', text: '{"severity":"high","note":"HTTP 500 from the export"}' };
  return { kind: 'text', text: 'Hello!' };
}

async function setup(suite = SUITE, yaml?: string) {
  openai = new FakeOpenAI({ apiKey: OPENAI_KEY });
  const env: NodeJS.ProcessEnv = { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: await openai.start() };
  const runner = new CliRunner(env);
  const dir = runner.path('evals');
  mkdirSync(dir);
  writeFileSync(join(dir, 'support.yaml'), suite);
  copyFileSync('evals/images/export-500.png', join(dir, 'shot.png'));
  if (yaml) {
    writeFileSync(runner.path('tw.yml'), yaml);
    env.THREADWISE_CONFIG = runner.path('tw.yml');
  }
  openai.setDefault(model);
  return { runner, dir };
}

describe('threadwise eval', () => {
  it('runs each case through the turn pipeline with stubbed tools and images, prints a table and writes JSON', async () => {
    const { runner, dir } = await setup(SUITE, 'defaults:\n  instructions: You are the Acme support bot.\n');
    const out = runner.path('results/eval.json');
    const run = await runner.run([
      'eval',
      '--dir',
      dir,
      '--model',
      'gpt-4o-2024-11-20',
      '--out',
      out,
      '--concurrency',
      '1',
    ]);
    expect(run.stderr).toBe('✓ support/ticket-status\n✓ support/screenshot\n✓ support/no-tools-please\n');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/│ support\s+│ ticket-status\s+│ pass\s+│ 3\/3/);
    expect(run.stdout).toContain('3/3 cases passed (100.0%); threshold 80.0%: PASS');

    const calls = openai.responsesRequests();
    // Case 1: the model asks for the tool, gets the stub's answer back, then answers; the grader is called last.
    const first = calls[0]!.body;
    expect(first).toMatchObject({
      model: 'gpt-4o-2024-11-20',
      instructions: `You are the Acme support bot.${TOOL_INSTRUCTIONS}`,
      store: false,
    });
    // The built-in tool is offered with its real description and strict schema.
    expect(first.tools).toEqual([
      {
        type: 'function',
        name: 'lookup_ticket',
        description: TOOL_SPECS.lookup_ticket.description,
        parameters: expect.objectContaining({ required: ['ticket_id'], additionalProperties: false }),
        strict: true,
      },
    ]);
    expect(first.input).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: "Eval: What's the status of SUP-482?" }] },
    ]);
    const second = calls[1]!.body;
    const output = JSON.parse(second.input.at(-1).output);
    expect(output).toMatchObject({
      tool: 'lookup_ticket',
      ok: true,
      data: { id: 'SUP-482', status: 'In progress', eta: '2026-05-14' },
    });
    expect(calls[2]!.body.text.format).toMatchObject({ type: 'json_schema', name: 'grade', strict: true });
    // Case 2: the screenshot goes along as a data URL with the configured detail.
    const image = calls[3]!.body.input[0].content.find((p: { type: string }) => p.type === 'input_image');
    expect(image).toMatchObject({ type: 'input_image', detail: 'auto' });
    expect(image.image_url).toMatch(/^data:image\/png;base64,iVBOR/);

    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json).toMatchObject({ model: 'gpt-4o-2024-11-20', graderModel: 'gpt-4o', passed: 3, total: 3, ok: true });
    expect(json.cases[0]).toMatchObject({
      suite: 'support',
      id: 'ticket-status',
      passed: true,
      answer: 'SUP-482 is **In progress**; the fix ships on 2026-05-14.',
      toolCalls: [expect.objectContaining({ name: 'lookup_ticket', arguments: '{"ticket_id":"SUP-482"}' })],
    });
    expect(json.cases[0].checks.find((c: { check: string }) => c.check === 'rubric')).toMatchObject({
      pass: true,
      detail: '0.90: Status and ETA given.',
    });
  });

  it('fails below the threshold and says which checks failed', async () => {
    const { runner, dir } = await setup();
    openai.setDefault((req) => {
      if (req.body.text?.format?.name === 'grade')
        return { kind: 'json', value: { reasoning: 'No ETA given.', verdict: 'fail', score: 0.1 } };
      if (text(req).includes('SUP-482')) return { kind: 'text', text: 'I think it is done.' };
      return model(req);
    });
    const run = await runner.run(['eval', '--dir', dir, '--out', runner.path('r.json'), '--threshold', '90%']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('2/3 cases passed (66.7%); threshold 90.0%: FAIL');
    expect(run.stdout).toMatch(/│ ticket-status\s+│ FAIL\s+│ 0\/3\s+│ contains "in progress"\s+│/);
    expect(run.stdout).toContain('): not called');
    expect(run.stdout).toContain('│ rubric: 0.10: No ETA given.');
    expect(run.stderr).toContain('✗ support/ticket-status');
  });

  it('counts a model error as a failed case instead of stopping the run', async () => {
    const { runner, dir } = await setup();
    openai.setDefault((req) =>
      text(req).includes('hello')
        ? {
            kind: 'http_error',
            status: 400,
            error: { message: 'Invalid prompt', type: 'invalid_request_error', code: 'invalid_prompt' },
          }
        : model(req),
    );
    const run = await runner.run(['eval', '--dir', dir, '--out', runner.path('r.json'), '--threshold', '0.5']);
    expect(run.code).toBe(0);
    const json = JSON.parse(readFileSync(runner.path('r.json'), 'utf8'));
    expect(json.cases[2]).toMatchObject({
      id: 'no-tools-please',
      passed: false,
      error: 'bad_request: 400 Invalid prompt',
    });
  });

  it("passes a case whose expected tool call goes through the turn's tool loop: real schema, stub output, then the answer", async () => {
    const suite = `
name: loop
tools:
  - name: lookup_ticket
    returns: { id: SUP-7, status: Waiting on customer }
  - name: get_invoice
    description: Fetch one invoice by its number.
    parameters: { type: object, properties: { number: { type: string } }, required: [number], additionalProperties: false }
    returns: { number: INV-9, total: 120 }
cases:
  - id: status-after-retry
    input: Where is SUP-7? Reply to jane.doe@example.com please.
    expect:
      tool_calls: [{ name: lookup_ticket, arguments: { ticket_id: SUP-7 } }]
      contains: [waiting on customer]
`;
    const { runner, dir } = await setup(suite, 'privacy:\n  redact_before_openai: true\n');
    // The model first gets the argument name wrong: the real tool's validation answers, and the model corrects itself.
    openai.enqueue(
      { kind: 'function_calls', calls: [{ name: 'lookup_ticket', arguments: '{"id":"SUP-7"}' }] },
      { kind: 'function_calls', calls: [{ name: 'lookup_ticket', arguments: '{"ticket_id":"SUP-7"}' }] },
      { kind: 'text', text: 'SUP-7 is waiting on customer.' },
    );
    const run = await runner.run(['eval', '--dir', dir, '--out', runner.path('r.json')]);
    expect(run.stderr).toBe('✓ loop/status-after-retry\n');
    expect(run.code).toBe(0);

    const calls = openai.responsesRequests().map((r) => r.body);
    expect(calls).toHaveLength(3);
    // The production adapter: streamed, nothing stored, and the email redacted before it leaves.
    for (const body of calls) expect(body).toMatchObject({ stream: true, store: false });
    expect(JSON.stringify(calls[0].input)).toContain('[REDACTED_EMAIL]');
    expect(JSON.stringify(calls)).not.toContain('jane.doe@example.com');
    expect(calls[0].tools).toEqual([
      {
        type: 'function',
        name: 'lookup_ticket',
        description: TOOL_SPECS.lookup_ticket.description,
        parameters: expect.objectContaining({ required: ['ticket_id'] }),
        strict: true,
      },
      {
        type: 'function',
        name: 'get_invoice',
        description: 'Fetch one invoice by its number.',
        parameters: {
          type: 'object',
          properties: { number: { type: 'string' } },
          required: ['number'],
          additionalProperties: false,
        },
        strict: true,
      },
    ]);
    const outputOf = (body: { input: Array<{ type: string; output?: string }> }) =>
      JSON.parse(body.input.filter((i) => i.type === 'function_call_output').at(-1)!.output!);
    expect(outputOf(calls[1])).toMatchObject({
      tool: 'lookup_ticket',
      ok: false,
      error: { code: 'invalid_arguments', message: expect.stringContaining('ticket_id') },
    });
    expect(outputOf(calls[2])).toMatchObject({
      tool: 'lookup_ticket',
      ok: true,
      data: { id: 'SUP-7', status: 'Waiting on customer' },
    });

    const json = JSON.parse(readFileSync(runner.path('r.json'), 'utf8'));
    expect(json.cases[0]).toMatchObject({
      id: 'status-after-retry',
      passed: true,
      answer: 'SUP-7 is waiting on customer.',
      toolCalls: [
        expect.objectContaining({ arguments: '{"id":"SUP-7"}' }),
        expect.objectContaining({ arguments: '{"ticket_id":"SUP-7"}' }),
      ],
      usage: expect.objectContaining({ calls: 3 }),
    });
  });

  it("sends a case's image as input_image, prepared like a Slack upload with the channel's detail", async () => {
    const suite = `
name: shots
channel: CSHOTS
cases:
  - id: big-screenshot
    input: What is wrong here?
    images: [big.png]
    expect: { contains: [export] }
`;
    const { runner, dir } = await setup(suite, 'channels:\n  CSHOTS:\n    image_detail: high\n');
    // Larger than OpenAI's 2048 px box: the shared preparation fits it, as it would for a Slack upload.
    await sharp({ create: { width: 3000, height: 1000, channels: 3, background: '#ffffff' } })
      .png()
      .toFile(join(dir, 'big.png'));
    openai.enqueue({ kind: 'text', text: 'The export failed.' });
    const run = await runner.run(['eval', '--dir', dir, '--out', runner.path('r.json')]);
    expect(run.code).toBe(0);

    const [request] = openai.responsesRequests();
    const content = request!.body.input.at(-1).content as Array<{
      type: string;
      text?: string;
      image_url?: string;
      detail?: string;
    }>;
    expect(content.map((p) => p.type)).toEqual(['input_text', 'input_text', 'input_image']);
    expect(content[1]!.text).toContain('big.png');
    expect(content[2]).toMatchObject({ type: 'input_image', detail: 'high' });
    const [, mime, data] = /^data:(image\/\w+);base64,(.+)$/.exec(content[2]!.image_url!)!;
    expect(mime).toBe('image/png');
    expect(await sharp(Buffer.from(data!, 'base64')).metadata()).toMatchObject({ width: 2048, height: 683 });
  });

  it('fails a case whose image cannot be read, without calling the model', async () => {
    const suite =
      'name: shots\ncases:\n  - id: broken\n    input: Look\n    images: [broken.png]\n    expect: { contains: [x] }\n';
    const { runner, dir } = await setup(suite);
    // A PNG signature followed by garbage: no file the preparation can use.
    writeFileSync(
      join(dir, 'broken.png'),
      Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]),
    );
    const run = await runner.run(['eval', '--dir', dir, '--out', runner.path('r.json')]);
    expect(run.code).toBe(1);
    expect(openai.responsesRequests()).toHaveLength(0);
    const json = JSON.parse(readFileSync(runner.path('r.json'), 'utf8'));
    expect(json.cases[0]).toMatchObject({
      id: 'broken',
      passed: false,
      error: expect.stringMatching(/^cannot send broken\.png: /),
    });
  });

  it('names a missing image before running anything', async () => {
    const { runner, dir } = await setup(
      'name: shots\ncases:\n  - id: gone\n    input: Look\n    images: [gone.png]\n    expect: { contains: [x] }\n',
    );
    const run = await runner.run(['eval', '--dir', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/support\.yaml: case "gone" names gone\.png, but there is no such file/);
    expect(openai.responsesRequests()).toHaveLength(0);
  });

  it('rejects a stub that restates a built-in tool or a custom tool without a strict schema', async () => {
    const suite = `
name: bad-tools
tools:
  - name: lookup_ticket
    description: My own idea of the tool.
    returns: {}
  - name: get_invoice
    description: Fetch an invoice.
    parameters: { type: object, properties: { number: { type: string } } }
    returns: {}
cases:
  - id: one
    input: hi
    expect: {}
`;
    const { runner, dir } = await setup(suite);
    const run = await runner.run(['eval', '--dir', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('tools.0.description is not allowed: lookup_ticket is a built-in tool');
    expect(run.stderr).toContain('tools.1.parameters cannot be used in strict mode');
  });

  it('rejects a malformed suite with the file and field named', async () => {
    const { runner, dir } = await setup('name: broken\ncases:\n  - id: Bad Id\n    input: hi\n    expect: {}\n');
    const run = await runner.run(['eval', '--dir', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('support.yaml');
    expect(run.stderr).toContain('cases.0.id case ids are lower-case words');
  });

  it('ships starter suites for support answers, screenshot triage, policy questions and cited knowledge links', async () => {
    const suites = await loadSuites('evals');
    expect(suites.map((s) => s.name)).toEqual([
      'desk-gate',
      'knowledge-citations',
      'policy-questions',
      'screenshot-triage',
      'support-answers',
    ]);
    for (const s of suites.filter((x) => !isGateSuite(x)) as EvalSuite[])
      for (const c of s.cases)
        for (const img of c.images) expect(readFileSync(img).subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('threadwise eval: the knowledge-citations suite', () => {
  /** A model that searches, then cites the first passage it got as a link, whichever question was asked. */
  function citesFirstPassage(req: RecordedRequest): Script {
    if (req.body.text?.format?.name === 'grade')
      return { kind: 'json', value: { reasoning: 'Reads fine.', verdict: 'pass', score: 1 } };
    const output = (req.body.input as Array<{ type: string; output?: string }>).find(
      (i) => i.type === 'function_call_output',
    );
    if (!output)
      return { kind: 'function_calls', calls: [{ name: 'search_knowledge', arguments: '{"query":"the question"}' }] };
    const [first] = JSON.parse(output.output!).data.passages as Array<{ title: string; url: string; text: string }>;
    if (!first) return { kind: 'text', text: 'The sources do not cover this; please ask HR.' };
    return { kind: 'text', text: `${first.text} ([${first.title}](${first.url}))` };
  }

  it('passes answers that link the passage that answers the question and fails those that link another page', async () => {
    const { runner, dir } = await setup(readFileSync('evals/knowledge-citations.yaml', 'utf8'));
    openai.setDefault(citesFirstPassage);
    const run = await runner.run(['eval', '--dir', dir, '--concurrency', '1']);
    expect(run.stderr).toContain('✓ knowledge-citations/refund-links-the-refunds-article');
    expect(run.stderr).toContain('✓ knowledge-citations/approved-answer-cited-as-approved');
    expect(run.stderr).toContain('✓ knowledge-citations/nothing-found-no-link-invented');
    // The first passage is the refunds article: linking it for a billing or hotel question is the wrong link.
    expect(run.stderr).toContain('✗ knowledge-citations/payment-method-links-the-billing-article');
    expect(run.stderr).toContain('✗ knowledge-citations/hotel-links-the-travel-policy');
    expect(run.code).not.toBe(0);
  });
});

describe('threadwise eval: the desk gate suite', () => {
  const GATE = `
kind: desk_gate
name: gate
min_confidence: 0.7
cases:
  - id: answerable-and-sure
    question: How early do I book flights?
    sources: [{ kind: policy, title: Travel Policy, text: Book 14 days ahead. }]
    answerable: true
  - id: unanswerable-and-unsure
    question: How long is parental leave?
    sources: [{ kind: policy, title: Travel Policy, text: Book 14 days ahead. }]
    answerable: false
  - id: unanswerable-but-sure
    question: What is the wifi password?
    sources: [{ kind: policy, title: Security Policy, text: Use the secret-sharing tool. }]
    answerable: false
`;

  it('judges each question with the production gate and reports the accuracy at min_confidence', async () => {
    const { runner, dir } = await setup(GATE);
    // The fake's log-probabilities set the confidence: sure for books and wifi, unsure for leave.
    openai.setDefault((req) => {
      const sure = !text(req).includes('parental');
      const p = sure ? 0.9 : 0.2;
      return {
        kind: 'json',
        value: { answerable: sure },
        logprobs: { true: { true: p, false: 1 - p }, false: { false: 1 - p, true: p } },
      };
    });
    const out = runner.path('gate.json');
    const run = await runner.run(['eval', '--dir', dir, '--out', out, '--concurrency', '1', '--threshold', '0.5']);
    expect(run.stdout).toContain('gate: accuracy 66.7% at min_confidence 0.7 (2/3)');
    expect(run.stdout).toMatch(/unanswerable-but-sure\s+│ FAIL/);
    expect(run.code).toBe(0);
    const gate = openai.responsesRequests()[0]!.body;
    expect(gate).toMatchObject({ include: ['message.output_text.logprobs'], store: false });
    expect(gate.text.format).toMatchObject({ type: 'json_schema', name: 'desk_judgement', strict: true });
    const summary = JSON.parse(readFileSync(out, 'utf8'));
    expect(summary.suites).toEqual([
      { suite: 'gate', passed: 2, total: 3, accuracy: { threshold: 0.7, value: 2 / 3 } },
    ]);
    expect(summary.cases[0].gate.confidence).toBeCloseTo(0.9, 6);
  });
});
