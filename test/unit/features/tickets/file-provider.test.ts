import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FileTicketProvider } from '../../../../src/features/tickets/providers/file.js';
import { sampleTicketsCopy } from './helpers.js';

describe('file ticket provider', () => {
  it('writes new tickets back to the file with the next id of the project', async () => {
    const path = sampleTicketsCopy();
    const provider = new FileTicketProvider(path, () => new Date('2026-08-21T10:00:00Z'));
    const [a, b] = await Promise.all([
      provider.create({
        project: 'SUP',
        title: 'Printer jammed',
        description: 'E42',
        priority: 'low',
        requester: { slackId: 'U1', name: 'Ada', email: 'ada@example.com' },
      }),
      provider.create({
        project: 'SUP',
        title: 'Coffee machine',
        description: 'Empty',
        priority: 'urgent',
        requester: { slackId: 'U2', name: 'Grace' },
      }),
    ]);
    expect([a.id, b.id]).toEqual(['SUP-104', 'SUP-105']);
    const onDisk = JSON.parse(readFileSync(path, 'utf8')) as Array<Record<string, unknown>>;
    expect(onDisk.at(-2)).toEqual({
      id: 'SUP-104',
      project: 'SUP',
      title: 'Printer jammed',
      status: 'open',
      priority: 'low',
      assignee: null,
      requester_slack_id: 'U1',
      requester_email: 'ada@example.com',
      created_at: '2026-08-21T10:00:00.000Z',
      updated_at: '2026-08-21T10:00:00.000Z',
      description: 'E42',
      url: null,
    });
    expect((await new FileTicketProvider(path).get('sup-105'))?.title).toBe('Coffee machine');
  });

  it('names the file and the entry when the JSON is wrong', async () => {
    const path = sampleTicketsCopy();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, JSON.stringify([{ id: 'nope', project: 'SUP' }]));
    await expect(new FileTicketProvider(path).load()).rejects.toThrow(
      /tickets\.json: 0\.id ticket ids look like SUP-101/,
    );
  });
});
