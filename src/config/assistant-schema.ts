import { z } from 'zod';

const promptSchema = z
  .object({
    title: z.string().min(1).max(75).describe('The label on the prompt button.'),
    message: z.string().min(1).max(2_000).describe("What is sent as the user's message when it is clicked."),
  })
  .strict();

/** How Threadwise behaves as a Slack agent: the Messages tab, thread titles, statuses while it works. */
export const assistantSchema = z
  .object({
    suggested_prompts: z
      .array(promptSchema)
      .max(4)
      .optional()
      .describe(
        'Prompts offered when someone opens the Messages tab (Slack shows at most 4), shown as written; [] shows none. Unset: "What can you do?" and "Triage a screenshot", in the person’s Slack language.',
      ),
    prompts_title: z
      .string()
      .min(1)
      .max(150)
      .optional()
      .describe(
        'Heading above the suggested prompts, shown as written. Unset: "Try asking", in the person’s Slack language.',
      ),
    title_from_first_question: z
      .boolean()
      .default(true)
      .describe('Name a DM thread after its first question (assistant.threads.setTitle).'),
    context_ttl_minutes: z
      .number()
      .int()
      .min(1)
      .max(1_440)
      .default(60)
      .describe(
        'How long the channel or message someone was viewing (app_context_changed) is kept for their next DM question.',
      ),
    loading_messages: z
      .array(z.string().min(1).max(150))
      .max(10)
      .optional()
      .describe(
        'Messages Slack rotates under the thread while an answer is being prepared (at most 10), shown as written. Unset: "Reading the thread…", "Thinking it through…", "Writing the answer…" in the asker’s Slack language.',
      ),
  })
  .strict();

export type AssistantConfig = z.infer<typeof assistantSchema>;
