import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { keyId, parseSecretKey } from '../../src/lib/secret-box.js';
import { Harness, REDIS_URL } from './harness.js';
import { install } from './oauth-install.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const newKey = () => randomBytes(32).toString('base64');
const idOf = (key: string) => keyId(parseSecretKey(key, 'test').bytes);

async function storedInstallation(): Promise<string> {
  const redis = new Redis(REDIS_URL);
  try {
    return (await redis.get(`${h!.prefix}install:team:${h!.slack.teamId}`)) ?? '';
  } finally {
    await redis.quit();
  }
}

async function answers(text: string): Promise<void> {
  const sent = await h!.mention({ text });
  expect(sent.status).toBe(200);
  await h!.turnFinished(sent.eventId);
}

describe('installation tokens at rest', () => {
  it('are encrypted under THREADWISE_ENCRYPTION_KEY, survive a key rotation, and start-up refuses without the key', async () => {
    const first = newKey();
    h = await new Harness({ oauth: true, env: { THREADWISE_ENCRYPTION_KEY: first } }).start();
    h.openai.setDefault(() => ({ kind: 'text', text: 'Hello.' }));
    await install(h);
    const token = [...h.slack.oauth!.issuedTokens][0]!;
    const sealed = await storedInstallation();
    expect(sealed.startsWith(`tw1.${idOf(first)}.`)).toBe(true);
    expect(sealed).not.toContain(token);
    expect(sealed).not.toContain('xoxb-');
    await answers('encrypted and working?');

    // Rotation: the new key seals, the previous one still opens; start-up re-seals the existing installation.
    const second = newKey();
    await h.restartWith({ THREADWISE_ENCRYPTION_KEY: second, THREADWISE_ENCRYPTION_KEY_PREVIOUS: first });
    // The first start-up's line said records: 0 (nothing installed yet).
    const swept = await h.waitForLog((l) => l.msg === 'installation tokens are encrypted at rest' && l.records === 1);
    expect(swept).toMatchObject({ resealed: 1 });
    expect((await storedInstallation()).startsWith(`tw1.${idOf(second)}.`)).toBe(true);
    await answers('after the rotation?');

    // The previous key can go once everything is re-sealed.
    await h.restartWith({ THREADWISE_ENCRYPTION_KEY_PREVIOUS: undefined });
    await answers('with the new key alone?');

    // Without any key, start-up says so instead of failing on the first event.
    await expect(h.restartWith({ THREADWISE_ENCRYPTION_KEY: undefined })).rejects.toThrow(
      'installations in Redis are encrypted, but THREADWISE_ENCRYPTION_KEY is not set',
    );
    // With the wrong key, too, naming what to set.
    await expect(h.restartWith({ THREADWISE_ENCRYPTION_KEY: newKey() })).rejects.toThrow(
      /cannot be decrypted \(sealed with key .+, which is not configured\): set THREADWISE_ENCRYPTION_KEY/,
    );
  });

  it('encrypts installations stored before a key was configured, at the first start-up with one', async () => {
    h = await new Harness({ oauth: true }).start();
    h.openai.setDefault(() => ({ kind: 'text', text: 'Hello.' }));
    await install(h);
    expect(JSON.parse(await storedInstallation())).toMatchObject({ team: { id: h.slack.teamId } });
    const key = newKey();
    await h.restartWith({ THREADWISE_ENCRYPTION_KEY: key });
    expect(await h.waitForLog((l) => l.msg === 'installation tokens are encrypted at rest')).toMatchObject({
      resealed: 1,
    });
    expect((await storedInstallation()).startsWith(`tw1.${idOf(key)}.`)).toBe(true);
    await answers('still here?');
  });
});
