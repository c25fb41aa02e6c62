import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, isSealed, keyId, parseSecretKey, SecretBoxError } from '../../../src/lib/secret-box.js';

const key = () => parseSecretKey(randomBytes(32).toString('base64'), 'THREADWISE_ENCRYPTION_KEY');

describe('secret box', () => {
  it('opens what it sealed, and the sealed text does not contain the secret', () => {
    const box = createSecretBox([key()]);
    const sealed = box.seal('xoxb-not-a-real-token', 'install:team:T1');
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('xoxb');
    expect(box.open(sealed, 'install:team:T1')).toBe('xoxb-not-a-real-token');
  });

  it('seals the same secret differently each time (a fresh IV per record)', () => {
    const box = createSecretBox([key()]);
    expect(box.seal('same', 'ctx')).not.toBe(box.seal('same', 'ctx'));
  });

  it('refuses a record moved to another context or altered in one character', () => {
    const box = createSecretBox([key()]);
    const sealed = box.seal('secret', 'install:team:T1');
    expect(() => box.open(sealed, 'install:team:T2')).toThrow(SecretBoxError);
    const body = sealed.split('.');
    const last = body[3] ?? '';
    body[3] = (last[0] === 'A' ? 'B' : 'A') + last.slice(1);
    expect(() => box.open(body.join('.'), 'install:team:T1')).toThrow(SecretBoxError);
  });

  it('after a rotation opens old records with the previous key and says they need sealing again', () => {
    const oldKey = key();
    const newKey = key();
    const sealedBefore = createSecretBox([oldKey]).seal('token', 'ctx');
    const rotated = createSecretBox([newKey, oldKey]);
    expect(rotated.open(sealedBefore, 'ctx')).toBe('token');
    expect(rotated.needsReseal(sealedBefore)).toBe(true);
    const resealed = rotated.seal('token', 'ctx');
    expect(rotated.needsReseal(resealed)).toBe(false);
    expect(() => createSecretBox([newKey]).open(sealedBefore, 'ctx')).toThrow(/not configured/);
  });

  it('accepts hex or base64 keys and names the variable, never the value, when a key is malformed', () => {
    const bytes = randomBytes(32);
    expect(parseSecretKey(bytes.toString('hex'), 'K').id).toBe(keyId(bytes));
    expect(parseSecretKey(bytes.toString('base64url'), 'K').id).toBe(keyId(bytes));
    let message = '';
    try {
      parseSecretKey('too-short-secret-value', 'THREADWISE_ENCRYPTION_KEY');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/THREADWISE_ENCRYPTION_KEY must be 32 random bytes/);
    expect(message).not.toContain('too-short-secret-value');
  });

  it('tells a stored plain value from a sealed one', () => {
    expect(isSealed('{"bot":{"token":"x"}}')).toBe(false);
  });
});
