import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack-api.js';
import { productionNodeArgs } from '../support/production.js';
import { SIGNAL_TIMEOUT_MS } from '../support/wait.js';

const root = resolve(import.meta.dirname, '../..');

function runMain(
  env: Record<string, string>,
  untilMs = SIGNAL_TIMEOUT_MS,
): Promise<{ code: number | null; stdout: string; stderr: string; kill: () => void }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, productionNodeArgs(), {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), untilMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, kill: () => undefined });
    });
    child.stdout.on('data', () => {
      if (stdout.includes('threadwise is listening')) child.kill('SIGTERM');
    });
  });
}

let slack: FakeSlack | undefined;
afterEach(async () => slack?.close());

describe('starting the bot', () => {
  it('exits non-zero with one message naming every bad setting, without echoing secrets', async () => {
    const { code, stderr } = await runMain({ SLACK_BOT_TOKEN: 'xoxp-wrong-kind-123456', PORT: 'x', OPENAI_MODEL: '' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/SLACK_BOT_TOKEN must be a bot token/);
    expect(stderr).toMatch(/OPENAI_API_KEY is required/);
    expect(stderr).toMatch(/SLACK_SIGNING_SECRET is required in HTTP mode/);
    expect(stderr).toMatch(/PORT must be a port number/);
    expect(stderr).not.toContain('xoxp-wrong-kind-123456');
  });

  it('starts without Redis, warns loudly, and shuts down cleanly on SIGTERM', async () => {
    slack = new FakeSlack();
    const slackUrl = await slack.start();
    const { code, stdout } = await runMain({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: 'a-signing-secret-value',
      SLACK_API_URL: slackUrl,
      OPENAI_API_KEY: 'sk-test-start-0123456789abcdef',
      PORT: '0',
    });
    expect(stdout).toMatch(/REDIS_URL is not set: using an in-memory store/);
    expect(stdout).toMatch(/threadwise stopped/);
    expect(stdout).not.toMatch(/sk-test-start|a-signing-secret-value|xoxb-test-bot-token/);
    expect(code).toBe(0);
  });

  it('runs the compiled code with stack traces that point at the TypeScript source lines', async () => {
    const args = productionNodeArgs();
    const errors = pathToFileURL(resolve(root, 'dist/config/errors.js')).href;
    // describeIssues(null) throws inside src/config/errors.ts, at its `issues.map` line.
    const script = `const { describeIssues } = await import(${JSON.stringify(errors)}); try { describeIssues(null); } catch (e) { console.log(e.stack); }`;
    const { stdout } = await new Promise<{ stdout: string }>((done) => {
      const child = spawn(process.execPath, [...args.slice(0, -1), '--input-type=module', '-e', script], { cwd: root });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('exit', () => done({ stdout: out }));
    });
    expect(args.at(-1)).toBe(resolve(root, 'dist/main.js'));
    expect(stdout).toMatch(/at describeIssues \(.*src\/config\/errors\.ts:12:\d+\)/);
  });

  it('reads a .env file in the working directory, without overriding the environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-dotenv-'));
    writeFileSync(join(dir, '.env'), 'OPENAI_API_KEY=sk-from-dotenv-0123456789\nPORT=99999\nLOG_LEVEL=debug\n');
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = spawn(process.execPath, productionNodeArgs(), {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'loud' },
      });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (c) => done({ code: c, stderr: err }));
    });
    expect(code).toBe(2);
    expect(stderr).not.toMatch(/OPENAI_API_KEY/); // set by .env
    expect(stderr).toMatch(/PORT must be a port number/); // from .env
    expect(stderr).toMatch(/LOG_LEVEL must be one of/); // the environment's value wins over .env
  });

  it('names a missing ticket file and policy folder with every other bad setting, before contacting Slack', async () => {
    slack = new FakeSlack();
    const slackUrl = await slack.start();
    const dir = mkdtempSync(join(tmpdir(), 'tw-files-'));
    writeFileSync(
      join(dir, 'threadwise.yml'),
      'tickets:\n  provider: file\n  file: tickets.json\npolicies:\n  dir: policies\n',
    );
    const { code, stderr } = await runMain({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: 'a-signing-secret-value',
      SLACK_API_URL: slackUrl,
      OPENAI_API_KEY: 'sk-test-start-0123456789abcdef',
      THREADWISE_CONFIG: join(dir, 'threadwise.yml'),
      PORT: 'x',
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/Threadwise cannot start; fix these settings/);
    expect(stderr).toMatch(/PORT must be a port number/);
    expect(stderr).toContain(`tickets.file cannot be used: ENOENT`);
    expect(stderr).toContain(join(dir, 'tickets.json'));
    expect(stderr).toContain(`policies.dir ${join(dir, 'policies')} cannot be read (ENOENT)`);
    expect(slack.calls).toHaveLength(0);
  });

  it('reports a bot token Slack rejects', async () => {
    slack = new FakeSlack();
    const slackUrl = await slack.start();
    const { code, stderr } = await runMain({
      SLACK_BOT_TOKEN: 'xoxb-not-the-right-one',
      SLACK_SIGNING_SECRET: 's',
      SLACK_API_URL: slackUrl,
      OPENAI_API_KEY: 'k',
      PORT: '0',
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/Slack rejected SLACK_BOT_TOKEN.*invalid_auth/);
    expect(stderr).not.toContain('xoxb-not-the-right-one');
  });
});
