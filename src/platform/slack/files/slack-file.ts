import { z } from 'zod';

/**
 * The fields of a Slack file object (https://api.slack.com/types/file) the bot uses. Only `id` is certain:
 * Slack Connect files can arrive as a stub with `file_access: 'check_file_info'` that needs files.info.
 * Unknown fields are dropped so queued jobs stay small.
 */
export const slackFileSchema = z.object({
  id: z.string().min(1),
  name: z.string().nullish(),
  title: z.string().nullish(),
  mimetype: z.string().nullish(),
  filetype: z.string().nullish(),
  pretty_type: z.string().nullish(),
  size: z.number().nonnegative().nullish(),
  mode: z.string().nullish(),
  is_external: z.boolean().nullish(),
  url_private: z.string().nullish(),
  url_private_download: z.string().nullish(),
  file_access: z.string().nullish(),
});
export type SlackFile = z.infer<typeof slackFileSchema>;

/** What the user called the file, for notices and for the model. */
export const fileName = (f: SlackFile): string => f.name || f.title || f.id;
