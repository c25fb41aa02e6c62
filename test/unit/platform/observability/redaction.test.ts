import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
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
});
