import type { Logger } from 'pino';
import { ExpiringMap } from '../../lib/expiring-cache.js';
import type { SlackWorkspaces } from './workspaces.js';

/** How long a workspace's groups and usernames are trusted without an event saying they changed. */
const DIRECTORY_TTL_SECONDS = 600;

interface Directory {
  /** Group id → its members (enabled groups only: a disabled group names nobody). */
  groups: Map<string, Set<string>>;
  /** Group handle (without @) → group id. */
  handles: Map<string, string>;
  /** Username (without @) → user id, read only when a setting names a person by @handle. */
  usernames?: Promise<Map<string, string>>;
}

/**
 * Resolves what settings name people by: user ids as they are, user groups (S… ids or @handles) to their members
 * through usergroups.list / usergroups.users.list, and @usernames through users.list. Cached per workspace; the
 * subteam events keep the cache current (`groupChanged`). A group Slack will not show (a missing usergroups:read,
 * a deleted group) names nobody: permissions fail closed, and the log says why.
 */
export class PeopleDirectory {
  private readonly cache: ExpiringMap<Promise<Directory>>;

  constructor(
    private readonly workspaces: SlackWorkspaces,
    private readonly log: Logger,
    now: () => number = Date.now,
  ) {
    this.cache = new ExpiringMap<Promise<Directory>>(now);
  }

  /** Whether `userId` is among the people `refs` name in this workspace. */
  async includes(teamId: string, refs: readonly string[], userId: string): Promise<boolean> {
    if (refs.includes(userId)) return true;
    if (!refs.some((r) => r.startsWith('S') || r.startsWith('@'))) return false;
    return (await this.members(teamId, refs)).has(userId);
  }

  /** Every user id `refs` name in this workspace. */
  async members(teamId: string, refs: readonly string[]): Promise<Set<string>> {
    const out = new Set(refs.filter((r) => /^[UW]/.test(r)));
    const named = refs.filter((r) => !/^[UW]/.test(r));
    if (!named.length) return out;
    const dir = await this.directory(teamId);
    for (const ref of named) {
      const groupId = ref.startsWith('S') ? ref : dir.handles.get(ref.slice(1));
      const group = groupId ? dir.groups.get(groupId) : undefined;
      if (group) {
        for (const u of group) out.add(u);
        continue;
      }
      if (ref.startsWith('@')) {
        const user = (await this.usernames(teamId, dir)).get(ref.slice(1));
        if (user) {
          out.add(user);
          continue;
        }
      }
      this.log.warn(
        { team: teamId, ref },
        'a setting names a user group or @handle Slack does not know; it names nobody',
      );
    }
    return out;
  }

  /** subteam_updated (a new handle, a disabled group): the workspace's groups are read again when next needed. */
  forget(teamId: string): void {
    this.cache.delete(teamId);
  }

  /** subteam_members_changed: reads that group's members again (or the whole list, when the group is new). */
  async groupChanged(teamId: string, groupId: string): Promise<void> {
    const cached = this.cache.get(teamId);
    if (!cached) return;
    const dir = await cached.catch(() => undefined);
    if (!dir) return;
    const { client } = await this.workspaces.forTeam(teamId);
    try {
      const res = await client.usergroups.users.list({ usergroup: groupId });
      dir.groups.set(groupId, new Set(res.users ?? []));
      if (![...dir.handles.values()].includes(groupId)) this.cache.delete(teamId);
      this.log.info({ team: teamId, group: groupId }, 'user group refreshed');
    } catch (err) {
      // A disabled or deleted group is refused: it names nobody from now on.
      dir.groups.delete(groupId);
      this.cache.delete(teamId);
      this.log.info({ team: teamId, group: groupId, err: { message: (err as Error).message } }, 'user group gone');
    }
  }

  private directory(teamId: string): Promise<Directory> {
    let hit = this.cache.get(teamId);
    if (!hit) {
      hit = this.load(teamId);
      hit.catch(() => this.cache.delete(teamId));
      this.cache.set(teamId, hit, DIRECTORY_TTL_SECONDS);
    }
    return hit.catch((err: Error) => {
      this.log.warn(
        { team: teamId, err: { message: err.message } },
        'cannot read user groups (needs usergroups:read): groups name nobody for now',
      );
      return { groups: new Map(), handles: new Map() };
    });
  }

  private async load(teamId: string): Promise<Directory> {
    const { client } = await this.workspaces.forTeam(teamId);
    const res = await client.usergroups.list({ include_users: true });
    const groups = new Map<string, Set<string>>();
    const handles = new Map<string, string>();
    for (const g of res.usergroups ?? []) {
      if (!g.id || g.date_delete) continue;
      groups.set(g.id, new Set(g.users ?? []));
      if (g.handle) handles.set(g.handle, g.id);
    }
    return { groups, handles };
  }

  private usernames(teamId: string, dir: Directory): Promise<Map<string, string>> {
    dir.usernames ??= (async () => {
      const { client } = await this.workspaces.forTeam(teamId);
      const names = new Map<string, string>();
      let cursor: string | undefined;
      do {
        const page = await client.users.list({ limit: 200, ...(cursor ? { cursor } : {}) });
        for (const m of page.members ?? []) if (m.id && m.name && !m.deleted) names.set(m.name, m.id);
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor);
      return names;
    })().catch((err: Error) => {
      dir.usernames = undefined;
      this.log.warn({ team: teamId, err: { message: err.message } }, 'cannot list users to resolve an @handle');
      return new Map<string, string>();
    });
    return dir.usernames;
  }
}
