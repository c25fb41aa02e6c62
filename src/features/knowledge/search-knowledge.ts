import { z } from 'zod';
import { TOOL_ALIASES } from '../../config/tools-schema.js';
import { type AnyTool, defineSpec, defineTool } from '../../platform/tools/types.js';
import type { Source } from '../../turn/ports.js';
import type { KnowledgeIndex, KnowledgePassage } from './contracts.js';

const parameters = z.strictObject({
  query: z
    .string()
    .trim()
    .min(2)
    .max(300)
    .describe("What to look for in the team's knowledge sources, in the user's words (2 to 300 characters)."),
});

export const searchKnowledgeSpec = defineSpec({
  name: 'search_knowledge',
  description:
    "Search the team's knowledge sources (policies, help-center articles, internal docs, answers people approved). Returns the best passages, each with its title, section, link and source; approved answers come first. Answer from them and cite each passage you use as a Markdown link [Title › Section](url), or as (Title › Section) when it has no url.",
  parameters,
  progress: () => ({ step: 'search_knowledge' }),
});

/** A passage as the answer's sources name it: its link (else its title), cued by its title; approved ones say so. */
export const knowledgeSource = (p: KnowledgePassage): Source => {
  const title = p.section ? `${p.title} › ${p.section}` : p.title;
  return {
    // The model and the desk read the English cue; "Sources:" under an answer names it in the reader's language.
    title: p.approved ? `Approved answer: ${title}` : title,
    ...(p.approved ? { label: { key: 'notice.source_approved', values: { title } } } : {}),
    cue: p.title,
    ...(p.url ? { url: p.url } : {}),
  };
};

/** search_knowledge (and its old name search_policies): the one knowledge index, passages with their links. */
export function searchKnowledgeTool(deps: { index: KnowledgeIndex; maxPassages: number }): AnyTool {
  return defineTool({
    ...searchKnowledgeSpec,
    // Stored threads and old configs name it search_policies: such calls run this tool.
    aliases: Object.keys(TOOL_ALIASES).filter((old) => TOOL_ALIASES[old] === 'search_knowledge'),
    authorize: () => undefined,
    run(_ctx, args, signal) {
      return deps.index.search(args.query, { limit: deps.maxPassages, signal });
    },
    format(result, maxChars) {
      const hits = result as KnowledgePassage[];
      const per = Math.max(200, Math.floor(maxChars / Math.max(1, hits.length)) - 300);
      return {
        count: hits.length,
        passages: hits.map((h) => ({
          title: h.title,
          section: h.section,
          url: h.url ?? null,
          source: h.source,
          approved: h.approved === true,
          score: h.score,
          text: h.text.length > per ? `${h.text.slice(0, per - 1)}…` : h.text,
        })),
      };
    },
    sources: (result) => (result as KnowledgePassage[]).map(knowledgeSource),
  });
}
