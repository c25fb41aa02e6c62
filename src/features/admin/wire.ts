import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { LiveSettings } from '../../config/live-settings.js';
import type { ToolName } from '../../config/tools-schema.js';
import type { CommandRouter } from '../../platform/slack/command-router.js';
import { issuesOf } from '../../platform/slack/payloads.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { OverrideStore } from '../../platform/store/channel-overrides.js';
import type { Admins } from '../access/admins.js';
import type { AuditTrail } from '../audit/trail.js';
import { adminSubcommand } from './admin-command.js';
import {
  ADMIN_CHANNEL_VIEW,
  adminSubmissionSchema,
  MODAL_FIELDS,
  overridesFrom,
  targetSchema,
} from './channel-modal.js';
import { retentionSubcommand } from './retention-command.js';

/** Who submitted a form, read apart from the rest so even an unusable submission is refused in their language. */
const submitterSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1) }),
  team: z.looseObject({ id: z.string().min(1) }),
});

/** How often a replica reads the overrides other replicas' admins saved (its own apply at once). */
const REFRESH_MS = 5_000;

export interface AdminFeatureDeps {
  settings: LiveSettings;
  overrides: OverrideStore;
  envModel: string;
  tools: readonly ToolName[];
  admins: Admins;
  trail: Pick<AuditTrail, 'record'>;
  client: (teamId: string) => Promise<WebClient>;
  commands: CommandRouter;
  /** The submitting admin's language: the form's errors are shown to them in it. */
  languages: Pick<UserLanguages, 'of' | 'translators'>;
  log: Logger;
  now?: () => number;
}

/**
 * Governing the bot from Slack: `/threadwise admin channel` (a modal of the channel's settings, saved as overrides
 * on top of the file, each change audited) and `/threadwise retention`. Returns a stop for the refresh loop.
 */
export function wire(app: App, deps: AdminFeatureDeps): { load(): Promise<void>; stop(): void } {
  const load = async () => {
    const all = await deps.overrides.all();
    deps.settings.setOverrides(Object.fromEntries(Object.entries(all).map(([c, o]) => [c, o.settings])));
  };
  deps.commands.add(adminSubcommand(deps), retentionSubcommand(deps));

  app.view(ADMIN_CHANNEL_VIEW, async ({ ack, body }) => {
    const parsed = adminSubmissionSchema.safeParse(body);
    const target = parsed.success
      ? targetSchema.safeParse(JSON.parse(parsed.data.view.private_metadata || '{}'))
      : undefined;
    if (!parsed.success || !target?.success) {
      deps.log.warn({ issues: parsed.success ? [] : issuesOf(parsed.error) }, 'unusable channel settings submission');
      // An unusable form may still say who sent it; without that there is no locale to read, so English.
      const who = submitterSchema.safeParse(body);
      const t = who.success
        ? await deps.languages.of(who.data.team.id, who.data.user.id)
        : deps.languages.translators.english;
      return ack({ response_action: 'errors', errors: { model: t.t('admin.channel.incomplete') } });
    }
    const { user, view } = parsed.data;
    const teamId = parsed.data.team?.id ?? '';
    const { channel } = target.data;
    // The acknowledgement has 3 s; the locale (cached since the modal opened) waits at most a second beside the check.
    const [admin, t] = await Promise.all([deps.admins.includes(teamId, user.id), deps.languages.of(teamId, user.id)]);
    // Checked again on submit: the modal may have been open while the person stopped being an admin.
    if (!admin) return ack({ response_action: 'errors', errors: { model: t.t('reply.not_admin.settings') } });
    const result = overridesFrom(t, view.state.values, {
      channel,
      fileOnly: deps.settings.fromFile(),
      envModel: deps.envModel,
      tools: deps.tools,
    });
    if (!result.ok) return ack({ response_action: 'errors', errors: result.errors });
    await ack();
    const previous = (await deps.overrides.all())[channel]?.settings ?? {};
    const fields: Record<string, { from?: unknown; to?: unknown }> = {};
    for (const f of MODAL_FIELDS) {
      const was = previous[f];
      const now = result.settings[f];
      if (JSON.stringify(was) !== JSON.stringify(now))
        fields[f] = { ...(was !== undefined ? { from: was } : {}), ...(now !== undefined ? { to: now } : {}) };
    }
    if (!Object.keys(fields).length) return;
    const at = deps.now?.() ?? Date.now();
    await deps.overrides.set(channel, result.settings, { by: user.id, at, fields });
    await load();
    await deps.trail.record({
      teamId,
      action: 'admin_change',
      actor: user.id,
      channel,
      outcome: 'saved',
      detail: { fields },
    });
    deps.log.info({ channel, admin: user.id, fields: Object.keys(fields) }, 'channel settings changed from Slack');
  });

  const timer = setInterval(() => {
    load().catch((err: Error) => deps.log.warn({ err: { message: err.message } }, 'channel overrides not refreshed'));
  }, REFRESH_MS);
  timer.unref();
  return { load, stop: () => clearInterval(timer) };
}
