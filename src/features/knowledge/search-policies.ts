import { z } from 'zod';
import { type AnyTool, defineSpec, defineTool } from '../../platform/tools/types.js';
import type { Source } from '../../turn/ports.js';
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

/** search_policies: BM25 over the policy folder, passages with their document and section for citing. */
export function searchPoliciesTool(deps: { index: PolicyIndex; maxPassages: number }): AnyTool {
  return defineTool({
    ...searchPoliciesSpec,
    authorize: () => undefined,
    async run(_ctx, args) {
      return deps.index.search(args.query, deps.maxPassages);
    },
    format(result, maxChars) {
      const hits = result as Array<PolicyPassage & { score: number }>;
      const per = Math.max(200, Math.floor(maxChars / Math.max(1, hits.length)) - 200);
      return {
        count: hits.length,
        passages: hits.map((h) => ({
          source: h.section ? `${h.title} › ${h.section}` : h.title,
          document: h.document,
          score: h.score,
          text: h.text.length > per ? `${h.text.slice(0, per - 1)}…` : h.text,
        })),
      };
    },
    sources: (result) => (result as PolicyPassage[]).map(policySource),
  });
}

/** A policy as the answer's sources name it: its front matter `url:` as a link, else its title. */
export const policySource = (p: PolicyPassage): Source => ({
  title: p.title,
  cue: p.title,
  ...(p.url ? { url: p.url } : {}),
});
