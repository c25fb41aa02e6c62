import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ExpiringMap } from '../../lib/expiring-cache.js';
import type { MarkupLookups } from './markup.js';

const TTL_SECONDS = 3600;

export interface SlackUserProfile {
  name?: string;
  /** Present only when the app has users:read.email. */
  email?: string;
  /** IANA time zone ("Europe/Paris"), for dates written to this person. */
  tz?: string;
  /** The person's Slack language (`ja-JP`), as users.info says with include_locale. */
  locale?: string;
}

/** A BCP 47 tag as Slack writes it (en-US, es-LA, pt-BR); anything else is treated as unknown. */
const localeSchema = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/);

/** What conversations.info says about a channel that decides where the bot may speak. */
export interface ChannelFacts {
  name?: string;
  isPrivate: boolean;
  /** Slack Connect: shared with another organisation (or an invitation to share is pending). */
  isExternal: boolean;
}

/**
 * users.info and conversations.info with an hour-long cache: names change rarely and the calls are Tier 3/4.
 * One users.info (with include_locale) gives a person's name, email and language together.
 */
export class SlackLookups implements MarkupLookups {
  private readonly users = new ExpiringMap<Promise<SlackUserProfile | undefined>>();
  private readonly channels = new ExpiringMap<Promise<ChannelFacts | undefined>>();

  constructor(
    private readonly client: WebClient,
    private readonly log: Logger,
  ) {}

  userProfile(id: string): Promise<SlackUserProfile | undefined> {
    return this.cached(this.users, id, async () => {
      const u = (await this.client.users.info({ user: id, include_locale: true })).user;
      const locale = localeSchema.safeParse(u?.locale);
      return {
        name: u?.profile?.display_name || u?.real_name || u?.profile?.real_name || u?.name || undefined,
        email: u?.profile?.email || undefined,
        tz: u?.tz || undefined,
        ...(locale.success ? { locale: locale.data } : {}),
      };
    });
  }

  /** The person's Slack locale; undefined when Slack does not say (or the lookup failed): English then. */
  async userLocale(id: string): Promise<string | undefined> {
    return (await this.userProfile(id))?.locale;
  }

  async userName(id: string): Promise<string | undefined> {
    return (await this.userProfile(id))?.name;
  }

  async channelName(id: string): Promise<string | undefined> {
    return (await this.channelFacts(id))?.name;
  }

  /** Undefined when Slack could not say (the call failed): callers decide what an unknown channel means. */
  channelFacts(id: string): Promise<ChannelFacts | undefined> {
    return this.cached(this.channels, id, async () => {
      const c = (await this.client.conversations.info({ channel: id })).channel;
      return {
        ...(c?.name ? { name: c.name } : {}),
        isPrivate: Boolean(c?.is_private || c?.is_im || c?.is_mpim),
        isExternal: Boolean(c?.is_ext_shared || c?.is_pending_ext_shared),
      };
    });
  }

  /** A channel became shared or unshared (channel_shared / member events): its facts are read again when needed. */
  forgetChannel(id: string): void {
    this.channels.delete(id);
  }

  private cached<T>(map: ExpiringMap<Promise<T | undefined>>, id: string, load: () => Promise<T | undefined>) {
    let hit = map.get(id);
    if (!hit) {
      hit = load().catch((err) => {
        this.log.debug({ err, id }, 'slack lookup failed');
        map.delete(id);
        return undefined;
      });
      map.set(id, hit, TTL_SECONDS);
    }
    return hit;
  }
}
