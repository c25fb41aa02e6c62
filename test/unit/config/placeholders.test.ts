import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { isPlaceholder } from '../../../src/config/placeholders.js';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    return (err as { problems?: string[] }).problems ?? [String(err)];
  }
};

describe('placeholder values', () => {
  it('are recognised in the shapes .env.example and guides use', () => {
    for (const v of ['xoxb-your-bot-token', 'sk-your-key', 'your_api_key', '<token>', 'changeme', 'xxxx', '…'])
      expect(isPlaceholder(v), v).toBe(true);
  });

  it('leave real-looking tokens and keys alone', () => {
    for (const v of [
      'xoxb-fake-0987654321-AbCdEfGhIjKlMnOpQrStUvWx',
      'sk-proj-Q2t9yourZk3-h7Lw0xP4mN8vB1cD6fG2',
      'a-signing-secret',
      'ollama',
    ])
      expect(isPlaceholder(v), v).toBe(false);
  });

  it('make start-up fail naming each variable that still holds one, without printing the values', () => {
    const problems = problemsOf({
      SLACK_BOT_TOKEN: 'xoxb-your-bot-token',
      SLACK_SIGNING_SECRET: '<signing secret>',
      OPENAI_API_KEY: 'sk-your-key',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SLACK_BOT_TOKEN is still a placeholder \(as in \.env\.example\)/),
        expect.stringMatching(/^SLACK_SIGNING_SECRET is still a placeholder/),
        expect.stringMatching(/^OPENAI_API_KEY is still a placeholder/),
      ]),
    );
    expect(problems.join('\n')).not.toMatch(/your-bot-token|sk-your-key|signing secret>/);
  });
});
