import { z } from 'zod';
import { type AnyTool, defineSpec, defineTool } from '../../platform/tools/types.js';
import { APPROVED_LABEL, knowledgeSource } from './citation.js';
import type { KnowledgeIndex } from './contracts.js';
import type { PolicyIndex, PolicyPassage } from './policy-index.js';

const parameters = z.strictObject({
  query: z
    .string()
    .trim()
    .min(2)
    .max(300)
    .describe("What to look for in the internal policies, in the user's words (2 to 300 characters)."),
});

export const searchPoliciesSpec = defineSpec({
  name: 'search_policies',
  description:
    "Search the company's internal policy documents (travel, expenses, security, …). Returns the best passages with document title and section; cite them as sources in the answer, e.g. (Travel Policy › Booking).",
  parameters,
  progress: () => 'is searching the policies…',
});

/** A passage the search returns: a policy section, or an answer people approved (`approved`, listed first). */
type Hit = Omit<PolicyPassage, 'id'> & { score: number; approved?: boolean };

/**
 * search_policies: BM25 over the policy folder, passages with their document and section for citing. With the
 * knowledge index, the answers people approved that match come first, cited as approved.
 */
export function searchPoliciesTool(deps: {
  index: PolicyIndex;
  maxPassages: number;
  knowledge?: KnowledgeIndex;
}): AnyTool {
  return defineTool({
    ...searchPoliciesSpec,
    authorize: () => undefined,
    async run(_ctx, args): Promise<Hit[]> {
      const approved = deps.knowledge
        ? (await deps.knowledge.search(args.query, { limit: deps.maxPassages }))
            .filter((p) => p.approved)
            .map((p) => ({
              document: `${p.source}/${p.documentId}`,
              title: p.title,
              section: p.section,
              text: p.text,
              ...(p.url ? { url: p.url } : {}),
              score: p.score,
              approved: true,
            }))
        : [];
      return [...approved, ...deps.index.search(args.query, deps.maxPassages)].slice(0, deps.maxPassages);
    },
    format(result, maxChars) {
      const hits = result as Hit[];
      const per = Math.max(200, Math.floor(maxChars / Math.max(1, hits.length)) - 200);
      return {
        count: hits.length,
        passages: hits.map((h) => ({
          source: h.approved ? `${APPROVED_LABEL}: ${h.title}` : h.section ? `${h.title} › ${h.section}` : h.title,
          document: h.document,
          ...(h.approved ? { approved: true } : {}),
          score: h.score,
          text: h.text.length > per ? `${h.text.slice(0, per - 1)}…` : h.text,
        })),
      };
    },
    sources: (result) => (result as Hit[]).map(knowledgeSource),
  });
}

/** A policy (its front matter `url:` as the link) or an approved answer, as the answer's sources name it. */
export const policySource = knowledgeSource;
