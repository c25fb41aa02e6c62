import type { Logger } from 'pino';
import { say } from '../../i18n/phrase.js';
import type { Translator } from '../../i18n/translators.js';
import { type Markup, mrkdwn, oncallMention } from '../../platform/slack/mrkdwn.js';
import type { ToolInvocation } from '../../platform/tools/runner.js';
import type { Source } from '../../turn/ports.js';
import type { ThreadKey } from '../../turn/thread.js';
import type { KnowledgeGaps, KnowledgePassage } from './contracts.js';
import { knowledgeSource } from './search-knowledge.js';

/** What an answer in an `answer_only_from_sources` channel rests on: the passages found, or what to say instead. */
export type SourcesOnlyOutcome =
  | { found: true; context: string; sources: Source[] }
  | { found: false; reply: string; reason: 'not_in_sources' | 'search_failed' };

export interface SourcesOnlyDeps {
  /** On-call as Slack can mention them (@handles resolved to group or user ids). */
  oncall: (teamId: string, refs: readonly string[]) => Promise<string[]>;
  /** Where "not in the sources" questions are kept for the gaps digest; absent: not kept. */
  gaps?: Pick<KnowledgeGaps, 'record'>;
  now?: () => number;
  log: Logger;
}

const MAX_QUERY = 300;

/** The passages as the answering model reads them, before the question. */
export function sourcesContext(passages: readonly KnowledgePassage[]): string {
  return [
    'Answer the question below only from these passages, never from general knowledge. Cite each passage you use as a Markdown link [Title › Section](url), or as (Title › Section) when it has no url. If the passages do not answer the question, say that you could not find it in the sources.',
    ...passages.map((p, i) => {
      const where = p.section ? `${p.title} › ${p.section}` : p.title;
      const label = p.approved ? `${where} (approved answer)` : where;
      return `[${i + 1}] ${label}${p.url ? ` — ${p.url}` : ''}\n${p.text}`;
    }),
    'Question:',
  ].join('\n\n');
}

/** "Not in the sources" in the asker's language, naming who to ask when the channel has on-call people. */
export function notFoundText(t: Translator, oncall: readonly string[]): string {
  const who = oncall.map(oncallMention).map((m: Markup) => mrkdwn`${m}`);
  return `🔎 ${who.length ? t.t('knowledge.not_in_sources_oncall', { who: who.join(' ') }) : t.t('knowledge.not_in_sources')}`;
}

/**
 * `answer_only_from_sources`: before the model is called, the question is searched with search_knowledge as the
 * asker (the channel's tool list applies). Found passages become the only thing the model answers from; nothing
 * found means a plain "not in the sources" (with on-call named) and a gap recorded for the digest.
 */
export class SourcesOnly {
  constructor(private readonly d: SourcesOnlyDeps) {}

  async find(
    search: ((name: string, args: unknown) => Promise<ToolInvocation>) | undefined,
    where: ThreadKey & { oncall: readonly string[]; askedBy: string },
    question: string,
    t: Translator,
  ): Promise<SourcesOnlyOutcome> {
    const query = question.replace(/\s+/g, ' ').trim().slice(0, MAX_QUERY);
    const result = search && query.length >= 2 ? await search('search_knowledge', { query }) : undefined;
    if (result && !result.ok && result.code !== 'unknown_tool' && result.code !== 'permission_denied') {
      this.d.log.warn({ code: result.code }, 'the knowledge search failed; not answering from general knowledge');
      return {
        found: false,
        reason: 'search_failed',
        reply: `⚠️ ${t.t('knowledge.search_failed', { problem: say(t, result.userMessage) })}`,
      };
    }
    const passages = result?.ok ? (result.result as KnowledgePassage[]) : [];
    if (passages.length)
      return { found: true, context: sourcesContext(passages), sources: passages.map(knowledgeSource) };
    const oncall = where.oncall.length ? await this.d.oncall(where.teamId, where.oncall) : [];
    await this.d.gaps
      ?.record({
        question: question.trim(),
        channel: where.channel,
        threadTs: where.threadTs,
        reason: 'not_in_sources',
        at: this.d.now?.() ?? Date.now(),
        askedBy: where.askedBy,
      })
      .catch((err: Error) => this.d.log.warn({ err: { message: err.message } }, 'the knowledge gap was not recorded'));
    this.d.log.info({ searched: Boolean(result?.ok) }, 'nothing in the sources answers the question');
    return { found: false, reason: 'not_in_sources', reply: notFoundText(t, oncall) };
  }
}
