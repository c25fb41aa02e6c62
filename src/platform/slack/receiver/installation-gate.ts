import type { Logger } from 'pino';
import { isRecord } from './envelope.js';

/** Decides whether a request is for this installation at all, before any listener may act on it. */
export interface InstallationGate {
  admits(body: Record<string, unknown>): boolean;
}

/** OAuth mode: every workspace that installed the app is served; Bolt's authorize step finds its token. */
export const everyInstallation: InstallationGate = { admits: () => true };

export interface Installation {
  teamId: string;
  enterpriseId?: string;
  /** The app's id, when known: a request naming another app is not ours either. */
  appId?: string;
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
const idOf = (v: unknown) => (isRecord(v) ? str(v.id) : undefined);

/** The workspaces (and enterprise) a request says it comes from, in every place Slack puts them. */
function claimedTeams(body: Record<string, unknown>): { teams: string[]; enterprises: string[] } {
  const teams = [str(body.team_id), idOf(body.team)];
  const enterprises = [str(body.enterprise_id), idOf(body.enterprise)];
  // Events: the installation they are delivered for (a shared channel's message may name the other side's team).
  if (Array.isArray(body.authorizations))
    for (const a of body.authorizations)
      if (isRecord(a)) {
        teams.push(str(a.team_id));
        enterprises.push(str(a.enterprise_id));
      }
  // Interactivity in an org-wide install has no team; the user's team and the view's installing team remain.
  if (isRecord(body.user)) teams.push(str(body.user.team_id));
  if (isRecord(body.view)) teams.push(str(body.view.app_installed_team_id));
  return {
    teams: teams.filter((t): t is string => Boolean(t)),
    enterprises: enterprises.filter((e): e is string => Boolean(e)),
  };
}

/**
 * Single-token mode: one workspace's bot. A request from another workspace (the app installed elsewhere, a user of
 * another team) must not be answered with this workspace's token, so it is acknowledged and ignored, logged once
 * per team so a flood does not flood the log.
 */
export function singleInstallationGate(own: Installation, log: Logger): InstallationGate {
  const reported = new Set<string>();
  return {
    admits(body) {
      const appId = str(body.api_app_id);
      const { teams, enterprises } = claimedTeams(body);
      const ours =
        (!own.appId || !appId || appId === own.appId) &&
        (teams.includes(own.teamId) || (own.enterpriseId !== undefined && enterprises.includes(own.enterpriseId)));
      if (ours) return true;
      const key = `${teams[0] ?? '(none)'}/${appId ?? ''}`;
      if (!reported.has(key) && reported.size < 1_000) {
        reported.add(key);
        log.warn(
          { team: teams[0] ?? null, api_app_id: appId ?? null, installed_team: own.teamId },
          'ignoring requests for another workspace or app: this installation serves one workspace (logged once per team)',
        );
      }
      return false;
    },
  };
}
