import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ApprovedAnswers } from '../../../../../src/features/knowledge/approved/approved-answers.js';
import { approvedMarkdown } from '../../../../../src/features/knowledge/approved/approved-export.js';
import {
  type ApprovedAnswer,
  MemoryApprovedStore,
} from '../../../../../src/features/knowledge/approved/approved-store.js';
import { knowledgeSource } from '../../../../../src/features/knowledge/search-knowledge.js';
import type { AuditEntry } from '../../../../../src/platform/store/audit-log.js';
import { MemoryKnowledgeIndex } from '../../../../support/memory-knowledge-index.js';

const answer = (over: Partial<ApprovedAnswer> = {}): ApprovedAnswer => ({
  id: 'a1',
  teamId: 'T1',
  channel: 'C1',
  threadTs: '1700000000.000100',
  question: 'How do I reset my VPN token?',
  answer: 'Open the VPN portal and press *Reset token*.',
  permalink: 'https://acme.slack.com/archives/C1/p1700000000000100',
  editor: 'U2',
  savedAt: Date.UTC(2026, 11, 1, 9, 30),
  ...over,
});

function setup(withIndex = true) {
  const index = withIndex ? new MemoryKnowledgeIndex() : undefined;
  const store = new MemoryApprovedStore();
  const audit: Array<Omit<AuditEntry, 'at'>> = [];
  const answers = new ApprovedAnswers({
    store,
    ...(index ? { index } : {}),
    audit: { record: async (e) => void audit.push(e) },
    log: pino({ level: 'silent' }),
  });
  return { store, audit, answers, index };
}

describe('approved answers and the index', () => {
  it('are saved with an audit record, then indexed as approved passages linking their thread', async () => {
    const { answers, audit, index } = setup();
    await answers.save(answer());
    expect(audit).toEqual([
      expect.objectContaining({ action: 'approved_answer_saved', actor: 'U2', channel: 'C1', outcome: 'saved' }),
    ]);
    expect([...index!.documents('approved').keys()]).toEqual([]);
    expect(await answers.index(answer())).toBe('indexed');
    const [hit] = await index!.search('reset VPN token', { limit: 3 });
    expect(hit).toMatchObject({ source: 'approved', approved: true, url: answer().permalink });
    expect(knowledgeSource(hit!)).toEqual({
      title: 'Approved answer: How do I reset my VPN token?',
      cue: 'How do I reset my VPN token?',
      url: answer().permalink,
      label: { key: 'notice.source_approved', values: { title: 'How do I reset my VPN token?' } },
    });
  });

  it('say so when the index refuses a saved answer, and the next sync puts it in', async () => {
    const { answers, index } = setup();
    const refusing = index!.apply.bind(index);
    index!.apply = async () => {
      throw new Error('embeddings endpoint down');
    };
    await answers.save(answer());
    expect(await answers.index(answer())).toBe('later');
    index!.apply = refusing;
    expect(await answers.sync()).toEqual({ upserts: 1, deletes: 0 });
    expect([...index!.documents('approved').keys()]).toEqual(['a1']);
    // In step: nothing more to send.
    expect(await answers.sync()).toEqual({ upserts: 0, deletes: 0 });
  });

  it('sync re-sends a corrected answer and removes what the store no longer has', async () => {
    const { answers, store, index } = setup();
    await index!.apply(
      'approved',
      { upserts: [{ id: 'gone', title: 'Old', text: 'old', version: '1' }], deletes: [] },
      { approved: true },
    );
    await store.save(answer());
    await answers.sync();
    await store.save(answer({ answer: 'Use the new portal.', savedAt: answer().savedAt + 1 }));
    expect(await answers.sync()).toEqual({ upserts: 1, deletes: 0 });
    expect([...index!.documents('approved').keys()]).toEqual(['a1']);
    expect((await index!.search('portal', { limit: 1 }))[0]!.text).toContain('Use the new portal.');
  });

  it('delete from the index first: a refusing index keeps the answer listed instead of cited after it left', async () => {
    const { answers, store, audit, index } = setup();
    await answers.save(answer());
    await answers.index(answer());
    index!.apply = async () => {
      throw new Error('index down');
    };
    await expect(answers.delete('a1', { teamId: 'T1', userId: 'U3' })).rejects.toThrow('index down');
    expect(await store.list('T1')).toHaveLength(1);
    expect(audit.map((a) => a.action)).toEqual(['approved_answer_saved']);
  });

  it('delete removes it from store and index once, with an audit record naming who saved it', async () => {
    const { answers, store, audit, index } = setup();
    await answers.save(answer());
    await answers.index(answer());
    expect(await answers.delete('a1', { teamId: 'T1', userId: 'U3' })).toMatchObject({ id: 'a1' });
    expect(await store.list()).toEqual([]);
    expect(await index!.search('reset VPN token', { limit: 3 })).toEqual([]);
    expect(audit.at(-1)).toMatchObject({
      action: 'approved_answer_deleted',
      actor: 'U3',
      detail: { id: 'a1', saved_by: 'U2' },
    });
    expect(await answers.delete('a1', { teamId: 'T1', userId: 'U3' })).toBeUndefined();
    expect(audit).toHaveLength(2);
  });

  it('are kept, listed and exported without an index', async () => {
    const { answers } = setup(false);
    await answers.save(answer());
    expect(await answers.index(answer())).toBe('unsearchable');
    expect(await answers.list('T1')).toHaveLength(1);
    expect(await answers.list('T2')).toEqual([]);
  });
});

describe('the Markdown export', () => {
  it('has one section per answer, newest first as given, with its thread, editor and date', () => {
    const md = approvedMarkdown(
      [
        answer({ id: 'b', question: 'Where are the invoices?', answer: '# Billing\nIn *Settings › Billing*.' }),
        answer(),
      ],
      Date.UTC(2026, 11, 4, 18, 0),
    );
    expect(md).toBe(
      [
        '# Approved answers',
        '',
        'Exported 2026-12-04 18:00 UTC: 2 answers.',
        '',
        '## Where are the invoices?',
        '',
        // A heading inside an answer goes below the answer's own.
        '### Billing',
        'In *Settings › Billing*.',
        '',
        '_Source: [the Slack thread](https://acme.slack.com/archives/C1/p1700000000000100) · saved by U2 on 2026-12-01 · id b_',
        '',
        '## How do I reset my VPN token?',
        '',
        'Open the VPN portal and press *Reset token*.',
        '',
        '_Source: [the Slack thread](https://acme.slack.com/archives/C1/p1700000000000100) · saved by U2 on 2026-12-01 · id a1_',
        '',
      ].join('\n'),
    );
    expect(approvedMarkdown([], 0)).toBe('# Approved answers\n\nExported 1970-01-01 00:00 UTC: 0 answers.\n');
  });
});
