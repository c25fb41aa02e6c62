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

/** Runs `threadwise chat` with the lines as its stdin (a pipe, as in a script) and no Slack settings at all. */
function chat(
  lines: string[],
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
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
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

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
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^⚠️ The OpenAI account behind Threadwise is out of quota.*reference `req_/);
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
    expect(run.stdout).toMatch(/Skipped `missing.png`/);
  });
});
