import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import { mrkdwn } from './mrkdwn.js';

/** Who ran a command, where; ids as Slack sent them. */
interface CommandContext {
  teamId: string;
  userId: string;
  channelId: string;
  /** Words after the subcommand name. */
  args: string[];
  /** Everything after the subcommand name, as typed (line breaks kept). */
  rest: string;
  /** Opens a modal (views.open) within 3 s of the command; Slack always sends one. */
  triggerId?: string;
  /**
   * A later ephemeral message to the caller through the command's response_url (for work longer than the 3 s the
   * acknowledgement may take); absent when Slack sent no response_url.
   */
  followUp?: (text: string) => Promise<void>;
}

export interface Subcommand {
  name: string;
  /** How to call it, when it takes arguments (e.g. `ask <question>`); defaults to the name. */
  usage?: string;
  /** One line for the help text. */
  description: string;
  run(ctx: CommandContext): Promise<string>;
}

const commandSchema = z.looseObject({
  team_id: z.string().min(1),
  user_id: z.string().min(1),
  channel_id: z.string().min(1),
  text: z.string().default(''),
  trigger_id: z.string().optional(),
  response_url: z.url().optional(),
});

function helpText(command: string, subcommands: readonly Subcommand[]): string {
  return [
    `*${command}* commands:`,
    ...subcommands.map((s) => `• \`${command} ${s.usage ?? s.name}\` — ${s.description}`),
    `• \`${command} help\` — this list`,
  ].join('\n');
}

/**
 * `/threadwise <subcommand> …`: a small router; each feature adds its subcommands while it is wired, so adding
 * one is one entry. Replies are ephemeral (only the caller sees them) and are sent with the acknowledgement itself.
 */
export class CommandRouter {
  private readonly byName = new Map<string, Subcommand>();
  constructor(
    readonly command: string,
    private readonly log: Logger,
  ) {}

  add(...subcommands: Subcommand[]): void {
    for (const s of subcommands) this.byName.set(s.name, s);
  }

  /** Every subcommand, in the order added (the help text and the Home tab list them). */
  list(): Subcommand[] {
    return [...this.byName.values()];
  }

  register(app: App): void {
    app.command(this.command, async ({ command, ack, respond }) => {
      const parsed = commandSchema.safeParse(command);
      if (!parsed.success) {
        this.log.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'malformed slash command');
        await ack({
          response_type: 'ephemeral',
          text: 'Sorry, Slack sent this command without the details I need. Please try again.',
        });
        return;
      }
      const typed = parsed.data.text.trim();
      const [name = 'help', ...args] = typed.split(/\s+/).filter(Boolean);
      const rest = typed.slice(name.length).trim();
      const sub = this.byName.get(name.toLowerCase());
      if (!sub) {
        // The typed name is echoed escaped: a reply must not ping or link on the typist's behalf.
        const prefix = name === 'help' ? '' : mrkdwn`I don't know \`${name}\`. `;
        await ack({ response_type: 'ephemeral', text: prefix + helpText(this.command, this.list()) });
        return;
      }
      let text: string;
      try {
        text = await sub.run({
          teamId: parsed.data.team_id,
          userId: parsed.data.user_id,
          channelId: parsed.data.channel_id,
          args,
          rest,
          ...(parsed.data.trigger_id ? { triggerId: parsed.data.trigger_id } : {}),
          ...(parsed.data.response_url
            ? {
                followUp: async (later: string) => {
                  await respond({ response_type: 'ephemeral', replace_original: false, text: later });
                },
              }
            : {}),
        });
      } catch (err) {
        this.log.error({ err, subcommand: sub.name }, 'slash command failed');
        text = `⚠️ \`${this.command} ${sub.name}\` failed on my side. Please try again in a moment.`;
      }
      await ack({ response_type: 'ephemeral', text });
    });
  }
}
