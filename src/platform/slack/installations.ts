import type { App, InstallationStore } from '@slack/bolt';
import type { Logger } from 'pino';

export interface InstallationHandlerDeps {
  store: InstallationStore;
  /** Drops anything cached for the workspace (its client and token). */
  forget: (teamId: string) => void;
  log: Logger;
}

interface Envelope {
  team_id?: string;
  enterprise_id?: string;
  is_enterprise_install?: boolean;
}

/** OAuth mode: a workspace that uninstalls the app or revokes its bot token leaves no usable token behind. */
export function registerInstallationHandlers(app: App, deps: InstallationHandlerDeps): void {
  const remove = async (body: Envelope, reason: string) => {
    const teamId = body.team_id;
    if (!teamId) return;
    await deps.store.deleteInstallation?.({
      teamId,
      enterpriseId: body.enterprise_id,
      isEnterpriseInstall: Boolean(body.is_enterprise_install),
    });
    deps.forget(teamId);
    deps.log.info({ team: teamId, reason }, 'workspace installation removed');
  };
  app.event('app_uninstalled', async ({ body }) => remove(body as Envelope, 'app_uninstalled'));
  app.event('tokens_revoked', async ({ event, body }) => {
    if ((event.tokens.bot ?? []).length > 0) await remove(body as Envelope, 'tokens_revoked');
  });
}
