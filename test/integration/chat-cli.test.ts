import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../fakes/openai-server.js';
import { OPENAI_KEY, REDIS_URL } from './harness.js';

const BIN = join(import.meta.dirname, '../../bin/threadwise.js');
let openai: FakeOpenAI;
let baseUrl: string;

beforeEach(async () => {
  openai = new FakeOpenAI({ apiKey: OPENAI_KEY });
  baseUrl = await openai.start();
});
afterEach(async () => openai.close());

/** Starts `threadwise chat` with the lines as its stdin (a pipe, as in a script) and no Slack settings at all. */
function startChat(lines: string[], env: Record<string, string> = {}, args: string[] = []) {
  const child = spawn(process.execPath, [BIN, 'chat', ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: baseUrl,
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  child.stdin.end(lines.map((l) => `${l}\n`).join(''));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  /** Resolves once stdout shows the text (the chat printed it), so a test acts on what happened, not on time. */
  const printed = (text: string) =>
    new Promise<void>((resolve) => {
      const check = () => stdout.includes(text) && (child.stdout.off('data', check), resolve());
      child.stdout.on('data', check);
      check();
    });
  return { child, done, printed };
}

const chat = (lines: string[], env: Record<string, string> = {}, args: string[] = []) =>
  startChat(lines, env, args).done;

const inputOf = (i: number) => openai.responsesRequests()[i]!.body.input as Array<{ role: string }>;

describe('threadwise chat in a terminal', () => {
  it('answers typed messages with the turn pipeline, keeping the conversation until /new', async () => {
    openai.enqueue(
      { kind: 'text', text: 'Restart the worker.', deltaDelayMs: 2 },
      { kind: 'text', text: 'Yes, with systemctl.' },
      { kind: 'text', text: 'Fresh start.' },
    );
    const run = await chat(['why is the queue stuck?', 'can I do it safely?', '/new', 'hello again', '/exit']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Restart the worker\.\nYes, with systemctl\.\nNew thread chat-[0-9a-f]{8}\.\nFresh start\.\n$/,
    );
    expect(openai.responsesRequests()).toHaveLength(3);
    expect(inputOf(1)).toHaveLength(3);
    expect(inputOf(2)).toHaveLength(1);
    const first = openai.responsesRequests()[0]!.body;
    expect(first).toMatchObject({ model: 'gpt-4o', stream: true, store: false, max_output_tokens: 4096 });
    expect(String(first.instructions)).toContain('Threadwise');
  });

  it('prints the same notice a Slack user would get when the model fails', async () => {
    openai.enqueue({
      kind: 'http_error',
      status: 429,
      error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' },
    });
    const run = await chat(['hi']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^⚠️ The OpenAI account behind Threadwise is out of quota.*reference `req_/);
  });

  it('exits non-zero when one of its turns failed, after answering the others', async () => {
    openai.enqueue(
      { kind: 'text', text: 'First answer.' },
      {
        kind: 'http_error',
        status: 401,
        error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' },
      },
      { kind: 'text', text: 'Third answer.' },
    );
    const run = await chat(['one', 'two', 'three']);
    expect(run.stdout).toContain('First answer.');
    expect(run.stdout).toContain('Third answer.');
    expect(run.code).toBe(1);
  });

  it('prints a failure as one line on stderr, not a stack trace', async () => {
    openai.enqueue({
      kind: 'http_error',
      status: 401,
      error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' },
    });
    const run = await chat(['hi']);
    expect(run.stdout).toMatch(/^⚠️ OpenAI rejected Threadwise's credentials/);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(/^ERROR: model call failed: 401 Incorrect API key provided$/)]);
    expect(run.stderr).not.toMatch(/\n\s+at |"stack"/);
  });

  it('Ctrl-C stops a streaming answer and the chat goes on to the next question', async () => {
    const long = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    openai.enqueue(
      { kind: 'text', text: long, chunkSize: 6, deltaDelayMs: 50 },
      { kind: 'text', text: 'The second answer.' },
    );
    const run = startChat(['tell me everything', 'and now?']);
    await run.printed('word0');
    run.child.kill('SIGINT');
    const { code, stdout } = await run.done;
    expect(stdout).toContain('⚠️ This answer was interrupted before it finished.');
    expect(stdout).not.toContain('word199');
    expect(stdout).toMatch(/The second answer\.\n$/);
    expect(code).toBe(0);
  });

  it('uses the settings file, and keeps a named thread in Redis across sessions', async () => {
    const prefix = `twtest:${randomBytes(4).toString('hex')}:`;
    const dir = mkdtempSync(join(tmpdir(), 'tw-chat-'));
    const config = join(dir, 'threadwise.yml');
    writeFileSync(
      config,
      `state:\n  key_prefix: "${prefix}"\nchannels:\n  C0OPS1:\n    instructions: "You answer for the ops team."\n    model: gpt-4.1-mini\n`,
    );
    const env = { REDIS_URL, THREADWISE_CONFIG: config };
    try {
      const one = await chat(['remember the number 42'], env, ['--thread', 'incident-7', '--channel', 'C0OPS1']);
      const two = await chat(['which number?'], env, ['--thread', 'incident-7', '--channel', 'C0OPS1']);
      expect([one.code, two.code], one.stderr + two.stderr).toEqual([0, 0]);
      expect(inputOf(1)).toHaveLength(3);
      expect(openai.responsesRequests()[1]!.body).toMatchObject({
        model: 'gpt-4.1-mini',
        instructions: 'You answer for the ops team.',
      });
    } finally {
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  });

  it('needs no Slack settings, and names what is missing', async () => {
    const child = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const c = spawn(process.execPath, [BIN, 'chat'], {
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      c.stdout.on('data', (d) => (out += String(d)));
      c.stdin.end();
      c.on('close', (code) => resolve({ code, out }));
    });
    expect(child.code).toBe(2);
    expect(child.out).toContain('OPENAI_API_KEY');
    expect(child.out).not.toContain('SLACK');
  });

  it('explains commands it does not know', async () => {
    const run = await chat(['/frobnicate']);
    expect(run.stdout).toContain('Unknown command /frobnicate');
    expect(openai.responsesRequests()).toHaveLength(0);
  });

  it('sends an image from a file path like a Slack screenshot, and names a file it could not read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-chat-img-'));
    const png = join(dir, 'error.png');
    writeFileSync(
      png,
      await sharp({ create: { width: 640, height: 400, channels: 3, background: '#c00' } })
        .png()
        .toBuffer(),
    );
    openai.enqueue({ kind: 'text', text: 'A red error banner.' });
    const run = await chat([`/image ${png} what is this?`, `/image ${join(dir, 'missing.png')} and this?`]);
    expect(run.stdout).toContain('A red error banner.');
    const content = JSON.stringify(inputOf(0));
    expect(content).toContain('data:image/png;base64,');
    expect(content).toContain('what is this?');
    expect(run.stdout).toMatch(/Skipped `missing.png`: there is no file .*missing\.png/);
    expect(run.stdout).not.toContain('Slack');
  });
});
