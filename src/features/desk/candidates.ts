import MiniSearch from 'minisearch';
import type { Logger } from 'pino';
import type { Translator } from '../../i18n/translators.js';
import type { ToolContext } from '../../platform/tools/types.js';
import type { KnowledgePassage } from '../knowledge/contracts.js';
import { knowledgeSource } from '../knowledge/search-knowledge.js';
import type { Ticket } from '../tickets/providers/types.js';
import { ticketSource } from '../tickets/ticket-format.js';
import type { ConversationTools } from '../tools/sessions.js';
import type { SolvedThread } from './desk-store.js';
import type { Candidate } from './gate.js';

const MAX_PER_KIND = 4;
const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/**
 * What the bot could cite for a question, found with the same tools a turn uses, as the asker (the channel's tool
 * list and the ticket access rules apply): knowledge passages and tickets. A tool that is not offered here, or that
 * fails, adds nothing. Earlier threads are titled in the asker's language (`t`): the title is shown under the answer.
 */
export async function findCandidates(
  tools: ConversationTools | undefined,
  ctx: ToolContext,
  question: string,
  solved: readonly SolvedThread[],
  t: Translator,
  log: Logger,
): Promise<Candidate[]> {
  const query = clip(question.replace(/\s+/g, ' ').trim(), 200);
  if (query.length < 2) return [];
  const earlier = earlierThreads(solved, query, t);
  const session = await tools?.session(ctx, log);
  if (!session) return earlier;
  const offered = (name: string) => tools!.offers(name, { channel: ctx.channel, isDm: ctx.isDm });
  const [passages, tickets] = await Promise.all([
    offered('search_knowledge') ? session.invoke('search_knowledge', { query }) : undefined,
    offered('search_tickets') ? session.invoke('search_tickets', { query, status: null }) : undefined,
  ]);
  const out: Candidate[] = [];
  if (passages?.ok)
    for (const p of (passages.result as KnowledgePassage[]).slice(0, MAX_PER_KIND))
      out.push({ kind: 'policy', ...knowledgeSource(p), text: clip(p.text, 1_200) });
  if (tickets?.ok)
    for (const t of (tickets.result as Ticket[]).slice(0, MAX_PER_KIND))
      out.push({ kind: 'ticket', ...ticketSource(t), text: clip(`${t.status}. ${t.description}`, 800) });
  return [...out, ...earlier];
}

/** Resolved threads of the channel that match the question (BM25 over their question and answer), by permalink. */
function earlierThreads(solved: readonly SolvedThread[], query: string, t: Translator): Candidate[] {
  if (!solved.length) return [];
  const index = new MiniSearch<SolvedThread & { id: number }>({
    fields: ['question', 'answer'],
    storeFields: [],
    searchOptions: { boost: { question: 2 }, prefix: true, fuzzy: 0.2 },
  });
  index.addAll(solved.map((s, id) => ({ ...s, id })));
  return index
    .search(query)
    .slice(0, 2)
    .map((hit) => {
      const s = solved[Number(hit.id)]!;
      return {
        kind: 'thread' as const,
        title: t.t('desk.earlier_thread', { question: clip(s.question.replace(/\s+/g, ' '), 60) }),
        url: s.permalink,
        text: clip(`Question: ${s.question}\nAnswer: ${s.answer}`, 1_200),
      };
    });
}

/** The passages as the answering model reads them, before the question. */
export function candidateContext(candidates: readonly Candidate[]): string {
  return [
    'Answer the question below from these sources only; name the ones you use. If they do not answer it, say so.',
    ...candidates.map((c, i) => `[${i + 1}] ${c.title}\n${c.text}`),
    'Question:',
  ].join('\n\n');
}
