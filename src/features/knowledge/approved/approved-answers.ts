import type { Logger } from 'pino';
import type { AuditTrail } from '../../audit/trail.js';
import type { KnowledgeIndex, SourceDocument } from '../contracts.js';
import type { ApprovedAnswer, ApprovedStore } from './approved-store.js';

/** The built-in source of saved answers (`knowledge.sources` refuses the name). */
export const APPROVED_SOURCE = 'approved';

/** A saved answer as the index holds it: the question as title and heading, the thread's permalink as its link. */
export function approvedDocument(a: ApprovedAnswer): SourceDocument {
  return {
    id: a.id,
    title: a.question,
    url: a.permalink,
    text: `# ${a.question}\n\n${a.answer}`,
    // Saving again (a correction) gives a new time, so an incremental sync re-indexes it.
    version: String(a.savedAt),
  };
}

export interface ApprovedAnswersDeps {
  store: ApprovedStore;
  /** Where search_knowledge finds them; without one they are kept, listed and exported, but not searched. */
  index?: KnowledgeIndex;
  audit: Pick<AuditTrail, 'record'>;
  log: Logger;
}

/**
 * Saving and deleting approved answers: the store is the record (Redis), the index follows it, and each change is an
 * audit record. A saved answer the index did not take yet is caught up by `sync()` (at start-up).
 */
export class ApprovedAnswers {
  constructor(private readonly d: ApprovedAnswersDeps) {}

  /** Every saved answer of a workspace, newest first. */
  list(teamId: string): Promise<ApprovedAnswer[]> {
    return this.d.store.list(teamId);
  }

  /** Keeps the answer (quick: the store and the audit trail), before the form closes; `index` follows. */
  async save(a: ApprovedAnswer): Promise<void> {
    await this.d.store.save(a);
    await this.d.audit.record({
      teamId: a.teamId,
      action: 'approved_answer_saved',
      actor: a.editor,
      channel: a.channel,
      threadTs: a.threadTs,
      outcome: 'saved',
      detail: { id: a.id, question: a.question, permalink: a.permalink },
    });
    this.d.log.info({ id: a.id, channel: a.channel, thread_ts: a.threadTs }, 'approved answer saved');
  }

  /**
   * Puts a saved answer into the index (which may embed it: slower than the form may wait). `later`: the index
   * refused it for now and the next sync catches up; `unsearchable`: there is no index to search it in.
   */
  async index(a: ApprovedAnswer): Promise<'indexed' | 'later' | 'unsearchable'> {
    if (!this.d.index) return 'unsearchable';
    try {
      await this.d.index.apply(APPROVED_SOURCE, { upserts: [approvedDocument(a)], deletes: [] }, { approved: true });
      this.d.log.info({ id: a.id }, 'approved answer indexed');
      return 'indexed';
    } catch (err) {
      this.d.log.warn(
        { err: { message: (err as Error).message }, id: a.id },
        'approved answer not in the index yet (the next sync catches up)',
      );
      return 'later';
    }
  }

  /**
   * Removes it from the index, then the store: an index that refuses throws and the answer stays (listed, so the
   * editor can try again) rather than lingering in search after it left the list. Undefined when there was no such
   * answer (already deleted).
   */
  async delete(id: string, by: { teamId: string; userId: string }): Promise<ApprovedAnswer | undefined> {
    if (!(await this.d.store.get(id))) return undefined;
    await this.d.index?.apply(APPROVED_SOURCE, { upserts: [], deletes: [id] }, { approved: true });
    const removed = await this.d.store.delete(id);
    if (!removed) return undefined;
    await this.d.audit.record({
      teamId: by.teamId,
      action: 'approved_answer_deleted',
      actor: by.userId,
      channel: removed.channel,
      threadTs: removed.threadTs,
      outcome: 'deleted',
      detail: { id, question: removed.question, saved_by: removed.editor },
    });
    this.d.log.info({ id, channel: removed.channel }, 'approved answer deleted');
    return removed;
  }

  /** Brings the index in line with the store: what it lacks or holds in an older version, and what was deleted. */
  async sync(): Promise<{ upserts: number; deletes: number }> {
    const index = this.d.index;
    if (!index) return { upserts: 0, deletes: 0 };
    const [known, all] = await Promise.all([index.known(APPROVED_SOURCE), this.d.store.list()]);
    const docs = all.map(approvedDocument);
    const upserts = docs.filter((doc) => known.get(doc.id) !== doc.version);
    const ids = new Set(docs.map((doc) => doc.id));
    const deletes = [...known.keys()].filter((id) => !ids.has(id));
    if (upserts.length || deletes.length) await index.apply(APPROVED_SOURCE, { upserts, deletes }, { approved: true });
    return { upserts: upserts.length, deletes: deletes.length };
  }
}
