import type OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import { z } from 'zod';

const gradeSchema = z.object({
  reasoning: z.string().describe('One or two sentences on how the answer meets or misses each criterion.'),
  verdict: z.enum(['pass', 'fail']),
  score: z.number().min(0).max(1).describe('How well the answer meets the rubric, from 0 to 1.'),
});
type Grade = z.infer<typeof gradeSchema>;

const GRADER_INSTRUCTIONS = [
  'You grade answers given by a support assistant in Slack against a rubric.',
  'Judge only what the rubric asks; do not reward length or style the rubric does not mention.',
  'Give "pass" only when every criterion of the rubric is met. Reason first, then decide.',
].join('\n');

export type Grader = (
  question: string,
  answer: string,
  rubric: string,
) => Promise<{ ok: true; grade: Grade } | { ok: false; error: string }>;

/** A second model call with Structured Outputs; the parsed grade is validated again before it counts. */
export function modelGrader(client: OpenAI, model: string): Grader {
  return async (question, answer, rubric) => {
    try {
      const response = await client.responses.parse({
        model,
        instructions: GRADER_INSTRUCTIONS,
        input: [
          {
            role: 'user',
            content: [
              {
                type: 'input_text',
                text: `Question:\n${question}\n\nAnswer to grade:\n${answer || '(no answer)'}\n\nRubric:\n${rubric}`,
              },
            ],
          },
        ],
        text: { format: zodTextFormat(gradeSchema, 'grade') },
        max_output_tokens: 400,
        store: false,
      });
      const refusal = response.output
        .flatMap((o) => (o.type === 'message' ? o.content : []))
        .find((p) => p.type === 'refusal');
      if (refusal && refusal.type === 'refusal') return { ok: false, error: `the grader refused: ${refusal.refusal}` };
      const grade = gradeSchema.safeParse(response.output_parsed);
      return grade.success
        ? { ok: true, grade: grade.data }
        : { ok: false, error: `the grader's answer is not a grade (${response.status})` };
    } catch (err) {
      return { ok: false, error: `grading failed: ${(err as Error).message}` };
    }
  };
}
