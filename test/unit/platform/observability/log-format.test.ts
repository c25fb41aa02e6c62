import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, prettyLogsFor } from '../../../../src/platform/observability/logger.js';

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

describe('log format', () => {
  it('is human-readable in development and JSON lines everywhere else', () => {
    expect(prettyLogsFor('development')).toBe(true);
    expect(prettyLogsFor('production')).toBe(false);
    expect(prettyLogsFor(undefined)).toBe(false);
  });

  it('prints readable lines in development, with secrets still scrubbed', async () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', secrets: ['sk-test-secret-value-123'], destination, pretty: true });
    log.child({ turn: 'Ev123' }).info({ request_id: 'req_abc' }, 'model call with key sk-test-secret-value-123');
    await new Promise((r) => setImmediate(r));
    const out = lines.join('');
    expect(() => JSON.parse(out)).toThrow();
    expect(out).toMatch(/INFO.*model call with key \[REDACTED\]/);
    expect(out).toContain('turn: "Ev123"');
    expect(out).toContain('request_id: "req_abc"');
    expect(out).not.toContain('sk-test-secret-value-123');
  });

  it('writes one JSON object per line in production', async () => {
    const { lines, destination } = capture();
    createLogger({ level: 'info', secrets: [], destination }).info({ turn: 'Ev1' }, 'hello');
    await new Promise((r) => setImmediate(r));
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, service: 'threadwise', turn: 'Ev1', msg: 'hello' });
  });
});
