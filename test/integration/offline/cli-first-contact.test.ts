import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../../fakes/openai-server.js';
import { FakeSlack } from '../../fakes/slack-api.js';
import { CliRunner, OPENAI_KEY } from './cli-harness.js';

let slack: FakeSlack | undefined;
let openai: FakeOpenAI | undefined;
let silent: { server: Server; sockets: Set<Socket> } | undefined;
afterEach(async () => {
  await Promise.all([slack?.close(), openai?.close()]);
  for (const s of silent?.sockets ?? []) s.destroy();
  await new Promise((r) => (silent ? silent.server.close(r) : r(undefined)));
  slack = openai = silent = undefined;
});

/** A URL where nothing listens: the port was free a moment ago and is closed again. */
async function closedUrl(path: string): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}${path}`;
}

/** A server that accepts connections and never answers (a firewall that drops, a stuck proxy). */
async function silentUrl(path: string): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => void sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  silent = { server, sockets };
  return `http://127.0.0.1:${(server.address() as { port: number }).port}${path}`;
}

async function services() {
  slack = new FakeSlack({ channels: { C0SUP1: { name: 'support' } } });
  openai = new FakeOpenAI({ apiKey: OPENAI_KEY });
  return {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_API_URL: await slack.start(),
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: await openai.start(),
  };
}

const TRIAGE = ['batch', 'triage', '--channel', 'C0SUP1', '--since', '7d', '--yes'];

describe('a command against a service that does not answer', () => {
  it('batch triage with Slack unreachable fails at once, naming the URL and SLACK_API_URL', async () => {
    const url = await closedUrl('/api/');
    const runner = new CliRunner({ ...(await services()), SLACK_API_URL: url });
    const started = Date.now();
    const run = await runner.run(TRIAGE);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Slack cannot be reached at ${url} (SLACK_API_URL): ECONNREFUSED`);
    expect(openai!.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('batch triage with Slack silent gives up after the probe timeout instead of retrying for minutes', async () => {
    const url = await silentUrl('/api/');
    const runner = new CliRunner({ ...(await services()), SLACK_API_URL: url });
    const run = await runner.run(TRIAGE, { probeTimeoutMs: 300 });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Slack cannot be reached at ${url} (SLACK_API_URL): no answer within 300 ms`);
  });

  it('batch triage with OpenAI unreachable fails before reading the channel, naming OPENAI_BASE_URL', async () => {
    const url = await closedUrl('/v1');
    const runner = new CliRunner({ ...(await services()), OPENAI_BASE_URL: url });
    const run = await runner.run(TRIAGE);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`OpenAI cannot be reached at ${url} (OPENAI_BASE_URL): ECONNREFUSED`);
    expect(slack!.calls.map((c) => c.method)).not.toContain('conversations.history');
  });

  it('batch triage with a refused OpenAI key says so, without the key', async () => {
    const runner = new CliRunner({ ...(await services()), OPENAI_API_KEY: 'sk-wrong-key-0123456789abcdef' });
    const run = await runner.run(TRIAGE);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('OpenAI refused OPENAI_API_KEY (HTTP 401');
    expect(run.stderr).not.toContain('sk-wrong-key');
  });

  it('eval with OpenAI silent gives up after the probe timeout, naming the URL', async () => {
    const url = await silentUrl('/v1');
    const runner = new CliRunner({ OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: url });
    const run = await runner.run(['eval', '--dir', 'evals', '--out', runner.path('r.json')], { probeTimeoutMs: 300 });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`OpenAI cannot be reached at ${url} (OPENAI_BASE_URL): no answer within 300 ms`);
  });
});

describe('command-line mistakes', () => {
  it('an unknown command is called unknown, not "too many arguments for start"', async () => {
    const run = await new CliRunner({}).run(['chta']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown command 'chta'");
    expect(run.stderr).toContain('chat');
    expect(run.stderr).not.toContain('too many arguments');
  });

  it('batch triage --resume with an id OpenAI does not know exits 2 and says so', async () => {
    const runner = new CliRunner(await services());
    const run = await runner.run(['batch', 'triage', '--resume', 'batch_doesnotexist1']);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('OpenAI has no batch batch_doesnotexist1');
  });
});
