import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { boltLogger } from '../../../../src/platform/observability/bolt-logger.js';
import { createLogger } from '../../../../src/platform/observability/logger.js';
import { fakeToken } from '../../../support/fake-tokens.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, destination };
}

describe('secrets in logs', () => {
  it('never prints a configured secret, wherever it hides', async () => {
    const { lines, destination } = capture();
    const signing = '8f742231b10e8888abcd99yyyzzz0000';
    const log = createLogger({ level: 'debug', secrets: [signing, 'xoxb-123-456-abcdef'], destination });
    log.info(
      { token: 'xoxb-123-456-abcdef', headers: { authorization: 'Bearer sk-live-abcdefghijklmnop' } },
      'request',
    );
    log.error({ err: new Error(`signature check with ${signing} failed`) }, 'boom');
    log.warn(
      `user pasted ${fakeToken('xoxp', '999999-888888-aaaa')} and ${fakeToken('sk', 'proj-ABCDEFGHIJKLMNOPQRST')}`,
    );
    await new Promise((r) => setImmediate(r));
    const all = lines.join('\n');
    expect(lines.length).toBe(3);
    expect(all).not.toContain('xoxb-123-456-abcdef');
    expect(all).not.toContain(signing);
    expect(all).not.toContain(fakeToken('xoxp', '999999'));
    expect(all).not.toMatch(/sk-proj-ABCDEF|sk-live-abc/);
    expect(all).toContain('[REDACTED]');
  });

  it('blanks secret fields of any shape, and scrubs secrets nested anywhere else in a line', async () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', secrets: ['configured-state-secret-42'], destination });
    log.info(
      {
        apiKey: 'opaque-key-without-a-known-shape',
        client_secret: 'opaque-client-secret',
        headers: { cookie: 'session=opaque-session', Authorization: 'Basic b3BhcXVlOnBhc3M=' },
      },
      'top-level fields',
    );
    log.info(
      {
        installation: { bot: { token: fakeToken('xoxb', '1111111111-2222222222-AbCdEfGh') } },
        req: { headers: { authorization: `Bearer ${fakeToken('sk', 'proj-ZYXWVUTSRQPONMLKJIHG')}` } },
        detail: { note: 'the state secret configured-state-secret-42 leaked into a message' },
      },
      'nested fields',
    );
    await new Promise((r) => setImmediate(r));
    const all = lines.join('\n');
    expect(lines.length).toBe(2);
    expect(all).not.toMatch(/opaque|b3BhcXVl|configured-state-secret-42/);
    expect(all).not.toContain(fakeToken('xoxb', '1111111111'));
    expect(all).not.toContain(fakeToken('sk', 'proj-ZYXW'));
    expect(JSON.parse(lines[0]!)).toMatchObject({ apiKey: '[REDACTED]', headers: { cookie: '[REDACTED]' } });
  });

  it("never builds the SDKs' debug lines while debug is off, and scrubs the lines it prints", async () => {
    const { lines, destination } = capture();
    const bolt = boltLogger(createLogger({ level: 'info', secrets: ['xoxb-123-456-abcdef'], destination }));
    let built = 0;
    const payload = { toJSON: () => (built++, { token: 'xoxb-123-456-abcdef' }) };
    bolt.debug('http request', payload);
    expect(built).toBe(0);
    bolt.warn('retrying with', payload);
    await new Promise((r) => setImmediate(r));
    expect(built).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('retrying with');
    expect(lines[0]).not.toContain('xoxb-123-456-abcdef');
  });
});
