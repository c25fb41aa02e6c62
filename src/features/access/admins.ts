import type { SettingsSource } from '../../config/live-settings.js';
import type { PeopleDirectory } from '../../platform/slack/people.js';

/** `limits.admins` as they are now, user groups and @handles resolved: who may govern the bot from Slack. */
export interface Admins {
  includes(teamId: string, userId: string): Promise<boolean>;
  of(teamId: string): Promise<string[]>;
}

export function adminsFrom(settings: SettingsSource, people: Pick<PeopleDirectory, 'includes' | 'members'>): Admins {
  return {
    includes: (teamId, userId) => people.includes(teamId, settings.current().limits.admins, userId),
    of: async (teamId) => [...(await people.members(teamId, settings.current().limits.admins))],
  };
}
