import { zodTextFormat } from 'openai/helpers/zod';
import { z } from 'zod';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * The triage of a bug report or support request (issue 6, point 6), used with Structured Outputs.
 * Strict schemas need every key required, so "may be unknown" is expressed as nullable, never optional.
 */
export const triageSchema = z.object({
  title: z.string().describe('A short ticket title, at most about 80 characters.'),
  summary: z.string().describe('Two or three sentences: what is wrong, for whom, since when.'),
  severity: z
    .enum(SEVERITIES)
    .describe(
      'critical: outage or data loss; high: a core feature broken; medium: degraded or a workaround exists; low: cosmetic or a question.',
    ),
  category: z
    .string()
    .describe('One word or short phrase such as bug, outage, billing, access, feature request, question.'),
  component: z.string().nullable().describe('The product area or service affected, or null when it cannot be told.'),
  steps_to_reproduce: z.array(z.string()).describe('Steps as reported; empty when none were given.'),
  suggested_owner: z.string().nullable().describe('The team or person best placed to act, or null when unknown.'),
  confidence: z.number().min(0).max(1).describe('How sure the triage is, from 0 to 1.'),
});

export type Triage = z.infer<typeof triageSchema>;

/** `text.format` for a Responses call (or a Batch line) that must answer with a triage. */
export const triageTextFormat = zodTextFormat(triageSchema, 'triage');

export const TRIAGE_INSTRUCTIONS = [
  'You triage reports that people posted in a Slack support channel.',
  'Read the whole thread (the first message and its replies) and classify the problem it describes.',
  'Base every field on what the thread says; do not invent components, owners or steps. Use null or an empty list when unknown.',
  'Lower the confidence when the thread is vague, off-topic or not a problem report at all.',
].join('\n');

export type TriageParse = { ok: true; value: Triage } | { ok: false; error: string };

/** Model output text → a validated triage; the text is checked again even when the API enforced the schema. */
export function parseTriage(text: string): TriageParse {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: 'the output is not JSON' };
  }
  const parsed = triageSchema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    error: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
  };
}
