import type { Source } from '../../turn/ports.js';
import type { KnowledgePassage } from './contracts.js';

/** How an approved answer is named under an answer: readers see that a person vouched for it. */
export const APPROVED_LABEL = 'Approved answer';

/**
 * A passage as the answer's sources name it: its link (an approved answer's is its Slack thread) under its title,
 * "Approved answer: <question>" for answers people approved.
 */
export function knowledgeSource(p: Pick<KnowledgePassage, 'title' | 'url' | 'approved'>): Source {
  return {
    title: p.approved ? `${APPROVED_LABEL}: ${p.title}` : p.title,
    cue: p.title,
    ...(p.url ? { url: p.url } : {}),
  };
}
