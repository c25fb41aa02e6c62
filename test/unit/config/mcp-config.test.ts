import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectConfig } from '../../../src/config/load.js';
import { channelSettings } from '../../../src/config/settings.js';

const valid = { SLACK_BOT_TOKEN: 'xoxb-1-abc', SLACK_SIGNING_SECRET: 'secret-value-123', OPENAI_API_KEY: 'sk-test' };
const withYaml = (yaml: string, env: Record<string, string> = {}) => {
  const path = join(mkdtempSync(join(tmpdir(), 'tw-mcp-config-')), 'threadwise.yml');
  writeFileSync(path, yaml);
  return collectConfig({ ...valid, THREADWISE_CONFIG: path, ...env });
};

describe('mcp.servers settings', () => {
  const yaml = [
    'mcp:',
    '  servers:',
    '    - label: jira',
    '      url: https://mcp.example.com/mcp',
    '      headers: { X-Api-Key: JIRA_MCP_KEY }',
    '      allowed_tools: [search, create_issue]',
    '      read_only_tools: annotated',
    '    - { label: github, url: "https://gh.example.com/mcp", auth: bearer, token_env: GH_MCP_TOKEN }',
    'channels:',
    '  C100: { mcp_servers: [jira], tools: [lookup_ticket] }',
  ].join('\n');

  it('reads servers whose header values name environment variables, and keeps those values for the adapter only', () => {
    const { config, problems } = withYaml(yaml, { JIRA_MCP_KEY: 'jira-secret-value', GH_MCP_TOKEN: 'gh-secret-value' });
    expect(problems).toEqual([]);
    expect(config!.file.mcp.servers[0]).toMatchObject({ label: 'jira', read_only_tools: 'annotated', auth: 'none' });
    expect(config!.mcpSecrets).toEqual({ JIRA_MCP_KEY: 'jira-secret-value', GH_MCP_TOKEN: 'gh-secret-value' });
    // Per channel, next to the built-in tools list.
    expect(channelSettings(config!.file, 'gpt-4o', 'C100', false)).toMatchObject({
      tools: ['lookup_ticket'],
      mcpServers: ['jira'],
    });
    expect(channelSettings(config!.file, 'gpt-4o', 'C200', false).mcpServers).toBeUndefined();
  });

  it('names every problem: unset variables, literal secrets, unknown labels, duplicates, sign-in needs', () => {
    const bad = withYaml(
      [
        'mcp:',
        '  servers:',
        '    - { label: jira, url: "https://a.example.com/mcp", headers: { Authorization: "Bearer abc123" } }',
        '    - { label: jira, url: "https://b.example.com/mcp" }',
        '    - { label: Bad__Label, url: "https://c.example.com/mcp" }',
      ].join('\n'),
    ).problems.join('\n');
    expect(bad).toMatch(/headers.*must name an environment variable/);
    expect(bad).toMatch(/label jira is used twice/);
    expect(bad).toMatch(/labels are lower-case letters/);
    expect(bad).not.toContain('abc123');
    const env = withYaml(
      [
        'mcp:',
        '  servers:',
        '    - { label: people, url: "https://d.example.com/mcp", auth: per_user_oauth }',
        '    - { label: gh, url: "https://e.example.com/mcp", headers: { X-Key: GH_KEY } }',
      ].join('\n'),
    ).problems;
    expect(env).toEqual([
      'GH_KEY is not set (named by mcp.servers gh header X-Key)',
      expect.stringMatching(/^THREADWISE_PUBLIC_URL is required for auth: per_user_oauth \(people\)/),
      expect.stringMatching(/^THREADWISE_ENCRYPTION_KEY is required for auth: per_user_oauth \(people\)/),
    ]);
  });

  it('names a channel list with a server that is not configured', () => {
    const out = withYaml(
      [
        'mcp:',
        '  servers:',
        '    - { label: jira, url: "https://a.example.com/mcp" }',
        'dm: { mcp_servers: [zendesk] }',
      ].join('\n'),
    );
    expect(out.problems).toEqual(['dm.mcp_servers names zendesk, which is not a label in mcp.servers']);
  });
});
