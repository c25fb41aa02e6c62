import { describe, expect, it } from 'vitest';
import { triageJob } from '../../../../src/features/triage/triage-flow.js';
import { turnJobSchema } from '../../../../src/platform/queue/types.js';

describe('jobs read back from the durable queue', () => {
  it('keep a triage request whole, screenshots included, in its message thread', () => {
    const job = triageJob({
      teamId: 'T1',
      channel: 'C0SUP1',
      userId: 'U1',
      message: {
        ts: '1700000000.000200',
        threadTs: '1700000000.000100',
        text: 'Checkout fails',
        files: [{ id: 'F1', name: 'shot.png', mimetype: 'image/png' }],
      },
    });
    const read = turnJobSchema.parse(JSON.parse(JSON.stringify(job)));
    expect(read.triage).toEqual(job.triage);
    expect(read.key).toEqual({ teamId: 'T1', channel: 'C0SUP1', threadTs: '1700000000.000100' });
  });

  it('keep the Slack file objects of a question', () => {
    const job = {
      id: 'Ev1',
      key: { teamId: 'T1', channel: 'D1', threadTs: '1.1' },
      isDm: true,
      userId: 'U1',
      messageTs: '1.1',
      text: 'what is this?',
      files: [{ id: 'F2', url_private_download: 'https://files.slack.com/x' }],
      receivedAt: 1,
    };
    expect(turnJobSchema.parse(job).files).toEqual(job.files);
  });
});
