import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { loadConfig } from '../../../src/config/load.js';
import { channelSettings } from '../../../src/config/settings.js';

const valid = { SLACK_BOT_TOKEN: 'xoxb-1-abc', SLACK_SIGNING_SECRET: 'secret-value-123', OPENAI_API_KEY: 'sk-test' };

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tw-config-'));
  const path = join(dir, 'threadwise.yml');
  writeFileSync(path, text);
  return path;
}

describe('startup configuration', () => {
  it('starts in HTTP mode with defaults when only the required settings are given', () => {
    const { env, file } = loadConfig(valid);
    expect(env.PORT).toBe(3000);
    expect(env.OPENAI_MODEL).toBe('gpt-4o');
    expect(env.LOG_LEVEL).toBe('info');
    expect(file.state.ttl_days).toBe(30);
    expect(file.openai.store).toBe(false);
  });

  it('has attachment limits by default and names a bad one', () => {
    expect(loadConfig(valid).file.files).toEqual({
      images_per_turn: 10,
      max_request_bytes: 50_000_000,
      max_download_bytes: 50_000_000,
      max_pdf_bytes: 32_000_000,
      text_max_chars: 50_000,
      max_kept_per_thread: 20,
      download_timeout_ms: 30_000,
    });
    const path = yamlFile('files:\n  images_per_turn: 3\n  max_request_bytes: 90000000\n');
    expect(problems({ ...valid, THREADWISE_CONFIG: path }).join('\n')).toMatch(/files\.max_request_bytes/);
    const ok = yamlFile('files:\n  images_per_turn: 3\n');
    expect(loadConfig({ ...valid, THREADWISE_CONFIG: ok }).file.files).toMatchObject({
      images_per_turn: 3,
      max_kept_per_thread: 20,
    });
  });

  it('names every missing or bad setting in one message, with its fix', () => {
    const list = problems({ SLACK_BOT_TOKEN: 'not-a-token', PORT: 'eighty', LOG_LEVEL: 'loud', REDIS_URL: 'http://x' });
    const text = list.join('\n');
    expect(text).toMatch(/SLACK_BOT_TOKEN must be a bot token starting with xoxb-/);
    expect(text).toMatch(/OPENAI_API_KEY is required/);
    expect(text).toMatch(/SLACK_SIGNING_SECRET is required in HTTP mode/);
    expect(text).toMatch(/PORT/);
    expect(text).toMatch(/LOG_LEVEL must be one of/);
    expect(text).toMatch(/REDIS_URL/);
    expect(list.length).toBeGreaterThanOrEqual(6);
  });

  it('never echoes a secret value in its error message', () => {
    const err = (() => {
      try {
        loadConfig({
          SLACK_BOT_TOKEN: 'xoxp-user-token-999999',
          SLACK_APP_TOKEN: 'bad-app-token-77777',
          OPENAI_API_KEY: '',
        });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toBeDefined();
    expect(err!.message).not.toContain('xoxp-user-token-999999');
    expect(err!.message).not.toContain('bad-app-token-77777');
  });

  it('uses Socket Mode without a signing secret when an app token is set', () => {
    const { env } = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1-A', OPENAI_API_KEY: 'k' });
    expect(env.SLACK_APP_TOKEN).toBe('xapp-1-A');
  });

  it('reads per-channel settings from THREADWISE_CONFIG and falls back to defaults elsewhere', () => {
    const path = yamlFile(`
defaults:
  max_output_tokens: 2000
dm:
  instructions: You are the policy copilot.
channels:
  C100:
    model: gpt-4o-2024-11-20
    require_mention: true
`);
    const { file } = loadConfig({ ...valid, THREADWISE_CONFIG: path });
    const c100 = channelSettings(file, 'gpt-4o', 'C100', false);
    expect(c100).toMatchObject({ model: 'gpt-4o-2024-11-20', requireMention: true, maxOutputTokens: 2000 });
    expect(channelSettings(file, 'gpt-4o', 'C999', false)).toMatchObject({ model: 'gpt-4o', requireMention: false });
    expect(channelSettings(file, 'gpt-4o', 'D1', true).instructions).toBe('You are the policy copilot.');
  });

  it('rejects an unknown key or an output cap above 16,384 in the YAML file', () => {
    const path = yamlFile('defaults:\n  max_output_tokens: 50000\n  colour: blue\n');
    const text = problems({ ...valid, THREADWISE_CONFIG: path }).join('\n');
    expect(text).toMatch(/THREADWISE_CONFIG .*defaults/);
    expect(text).toMatch(/colour|Unrecognized/i);
  });

  it('reports an unreadable or invalid YAML file by name', () => {
    expect(problems({ ...valid, THREADWISE_CONFIG: '/nonexistent/tw.yml' }).join()).toMatch(
      /cannot read \/nonexistent\/tw.yml: ENOENT/,
    );
    expect(problems({ ...valid, THREADWISE_CONFIG: yamlFile('a: [1, 2') }).join()).toMatch(/not valid YAML/);
  });

  it('serves many workspaces through OAuth without a bot token when client id, secret and state secret are set', () => {
    const oauth = {
      SLACK_CLIENT_ID: '1111.2222',
      SLACK_CLIENT_SECRET: 'client-secret-1',
      SLACK_STATE_SECRET: 'state-secret-0123456789',
      SLACK_SIGNING_SECRET: 's',
      OPENAI_API_KEY: 'k',
    };
    expect(loadConfig(oauth).env.SLACK_CLIENT_ID).toBe('1111.2222');
    expect(problems({ ...oauth, SLACK_STATE_SECRET: undefined }).join()).toMatch(
      /OAuth needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET together; missing SLACK_STATE_SECRET/,
    );
    expect(problems({ SLACK_SIGNING_SECRET: 's', OPENAI_API_KEY: 'k' }).join()).toMatch(
      /SLACK_BOT_TOKEN is required.*or set SLACK_CLIENT_ID/,
    );
  });

  it('reads queue timings for crash takeover and shutdown, with defaults', () => {
    expect(loadConfig(valid).file.queue).toEqual({
      concurrency: 256,
      lock_ms: 30_000,
      stalled_check_ms: 15_000,
      shutdown_grace_ms: 30_000,
    });
    const path = yamlFile('queue:\n  lock_ms: 5000\n  shutdown_grace_ms: 0\n');
    expect(loadConfig({ ...valid, THREADWISE_CONFIG: path }).file.queue).toMatchObject({
      lock_ms: 5000,
      shutdown_grace_ms: 0,
    });
    expect(problems({ ...valid, THREADWISE_CONFIG: yamlFile('queue:\n  lock_ms: 10\n') }).join()).toMatch(
      /queue\.lock_ms/,
    );
  });
});

describe('tool configuration', () => {
  it('accepts the documented tickets and access keys and the shipped example', () => {
    const { file } = loadConfig({ ...valid, THREADWISE_CONFIG: 'examples/threadwise.example.yml' });
    expect(file.tickets).toMatchObject({ provider: 'file', file: './tickets.json', default_project: 'SUP' });
    expect(file.access).toEqual({ agents: ['U123ABC'], channels: { C100: { projects: ['SUP'] } }, dms: true });
    expect(file.tools).toMatchObject({ max_rounds: 6, timeout_ms: 15_000 });
    expect(file.policies?.dir).toBe('./policies');
  });

  it('defaults to six tool rounds and no tickets or policies', () => {
    const { file } = loadConfig(valid);
    expect(file.tools.max_rounds).toBe(6);
    expect(file.tickets).toBeUndefined();
    expect(file.access).toEqual({ agents: [], channels: {}, dms: true });
  });

  it('names the missing credentials of an HTTP ticket provider, never their values', () => {
    const path = yamlFile('tickets:\n  provider: jira\n');
    const list = problems({ ...valid, THREADWISE_CONFIG: path, JIRA_API_TOKEN: 'secret-jira-token' });
    expect(list).toEqual([
      expect.stringMatching(/^JIRA_BASE_URL is required for tickets.provider jira/),
      expect.stringMatching(/^JIRA_EMAIL is required/),
    ]);
    expect(list.join('\n')).not.toContain('secret-jira-token');
  });

  it('rejects a DM id as a project channel and a lower-case project key', () => {
    const path = yamlFile('access:\n  channels:\n    D0DM1: { projects: [sup] }\n');
    expect(problems({ ...valid, THREADWISE_CONFIG: path }).join('\n')).toMatch(/channel ids look like C0123ABCD/);
  });
});
