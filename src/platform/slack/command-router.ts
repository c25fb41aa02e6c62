import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Translator } from '../../i18n/translators.js';
import { settledWithin } from '../../lib/deadline.js';
import { mrkdwn } from './mrkdwn.js';
import type { UserLanguages } from './user-languages.js';

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
  /** The caller's language: the reply is written in it. */
  t: Translator;
}

export interface Subcommand {
  name: string;
  /**
   * How to call it, when it takes arguments (e.g. `ask <question>`); defaults to the name. A function when the
   * arguments are named in the reader's language (`ask <Frage>`).
   */
  usage?: string | ((t: Translator) => string);
  /** One line for the help text, in the reader's language. */
  description(t: Translator): string;
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

/** A subcommand's usage as the reader reads it. */
export function usageOf(s: Subcommand, t: Translator): string {
  return typeof s.usage === 'function' ? s.usage(t) : (s.usage ?? s.name);
}

/**
 * Slack shows the typist "operation_timeout" when a command's acknowledgement takes over 3 s. A subcommand still
 * running by then (a slow Slack or Redis) is acknowledged with a "working on it" note, and its reply follows
 * through the response_url; the margin covers the network and Slack's own clock.
 */
export const ACK_WITHIN_MS = 2_000;

function helpText(t: Translator, command: string, subcommands: readonly Subcommand[]): string {
  return [
    t.t('command.help_title', { command }),
    ...subcommands.map((s) =>
      t.t('command.help_line', { command, usage: usageOf(s, t), description: s.description(t) }),
    ),
    t.t('command.help_line', { command, usage: 'help', description: t.t('command.help_self') }),
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
    private readonly languages: UserLanguages,
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
      const started = Date.now();
      const parsed = commandSchema.safeParse(command);
      if (!parsed.success) {
        this.log.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'malformed slash command');
        // Without a user id there is no locale to read.
        await ack({ response_type: 'ephemeral', text: this.languages.translators.english.t('command.malformed') });
        return;
      }
      const t = await this.languages.of(parsed.data.team_id, parsed.data.user_id);
      const typed = parsed.data.text.trim();
      const [name = 'help', ...args] = typed.split(/\s+/).filter(Boolean);
      const rest = typed.slice(name.length).trim();
      const sub = this.byName.get(name.toLowerCase());
      if (!sub) {
        // The typed name is echoed escaped: a reply must not ping or link on the typist's behalf.
        const help = helpText(t, this.command, this.list());
        await ack({
          response_type: 'ephemeral',
          text: name === 'help' ? help : `${t.t('command.unknown', { name: mrkdwn`${name}` })} ${help}`,
        });
        return;
      }
      const running = sub
        .run({
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
          t,
        })
        .catch((err: Error) => {
          this.log.error({ err, subcommand: sub.name }, 'slash command failed');
          return t.t('command.failed', { command: this.command, name: sub.name });
        });
      // Without a response_url nothing could carry a late reply, so the ack waits for it (Slack may time out).
      const text = parsed.data.response_url
        ? await settledWithin(running, ACK_WITHIN_MS - (Date.now() - started))
        : await running;
      if (text !== undefined) {
        await ack({ response_type: 'ephemeral', text });
        return;
      }
      this.log.info({ subcommand: sub.name }, 'slash command reply follows by response_url');
      // Not awaited: over HTTP the acknowledgement leaves only once this listener returns.
      void running
        .then((late) => respond({ response_type: 'ephemeral', replace_original: false, text: late }))
        .catch((err: Error) =>
          this.log.warn({ err: { message: err.message }, subcommand: sub.name }, 'late slash command reply not sent'),
        );
      await ack({ response_type: 'ephemeral', text: t.t('command.working') });
    });
  }
}
