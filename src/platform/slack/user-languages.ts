import type { Logger } from 'pino';
import type { Translator, Translators } from '../../i18n/translators.js';
import type { SlackWorkspaces } from './workspaces.js';

/**
 * How long a reply that is not a turn (a slash command's, a button's, a card's) waits for a person's locale:
 * users.info answers in well under this, and it is cached for an hour with their name, so only a person's first
 * reply of the hour waits at all; past it, the reply goes out in English rather than later.
 */
export const REPLY_LOCALE_WAIT_MS = 1_000;

/**
 * The translator for what the bot writes to one person: their Slack locale from the same cached users.info
 * (with include_locale) that gives their name, so knowing the language costs no extra Slack call.
 */
export class UserLanguages {
  constructor(
    private readonly workspaces: SlackWorkspaces,
    readonly translators: Translators,
    private readonly log: Logger,
  ) {}

  /** The person's translator; English when Slack cannot say in `waitMs` (the lookup still fills the cache). */
  async of(teamId: string, userId: string, waitMs = REPLY_LOCALE_WAIT_MS): Promise<Translator> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), waitMs);
    });
    try {
      const locale = await Promise.race([
        this.workspaces.forTeam(teamId).then((w) => w.lookups.userLocale(userId)),
        late,
      ]);
      return this.translators.forLocale(locale);
    } catch (err) {
      this.log.debug({ err: { message: (err as Error).message } }, 'locale unknown; writing in English');
      return this.translators.english;
    } finally {
      clearTimeout(timer);
    }
  }
}
