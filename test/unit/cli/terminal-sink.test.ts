import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TerminalSink } from '../../../src/cli/terminal-sink.js';

const ticket = (id: string, title: string) => ({
  id,
  project: 'SUP',
  title,
  status: 'open',
  priority: 'high',
  assignee: null,
  createdAt: '2026-08-01T00:00:00Z',
  updatedAt: '2026-08-02T00:00:00Z',
  url: null,
});

describe('threadwise chat in a terminal', () => {
  it('lists the tickets an answer found as text lines, where Slack would show a table', async () => {
    const out = new PassThrough();
    let printed = '';
    out.on('data', (c: Buffer) => (printed += c.toString()));
    const sink = new TerminalSink(out);
    sink.append('Two tickets match.');
    await sink.finish({ outcome: 'answered', tickets: [ticket('SUP-1', 'VPN drops'), ticket('SUP-2', 'Printer')] });
    expect(printed).toBe(
      'Two tickets match.\n\n• SUP-1 · VPN drops · open · high · —\n• SUP-2 · Printer · open · high · —\n',
    );
  });
});
