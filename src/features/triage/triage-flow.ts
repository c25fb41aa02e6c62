import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SettingsSource } from '../../config/live-settings.js';
import { channelSettings } from '../../config/settings.js';
import { hashId } from '../../lib/hash.js';
import { parseStored } from '../../lib/stored-json.js';
import type { TriageRequest, TurnJob } from '../../platform/queue/types.js';
import { resolveSlackMarkup } from '../../platform/slack/markup.js';
import { mrkdwn } from '../../platform/slack/mrkdwn.js';
import { ThreadStatus } from '../../platform/slack/thread-status.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import type { ApprovalStore } from '../../platform/store/types.js';
import { NO_USAGE, type QuotaPort } from '../../turn/ports.js';
import type { ThreadStore } from '../../turn/thread.js';
import { type TriageImage, type TriagePort, triageFailureText } from './port.js';
import { type Triage, triageSchema } from './schema.js';
import { triageCardBlocks, triageCardText } from './triage-card.js';

/** A triage kept for its card's "Create ticket" button. */
const storedTriageSchema = z.object({
  id: z.string(),
  teamId: z.string(),
  channel: z.string(),
  threadTs: z.string(),
  messageTs: z.string(),
  requestedBy: z.string(),
  triage: triageSchema,
});
export type StoredTriage = z.infer<typeof storedTriageSchema>;

export interface TriageFlowDeps {
  settings: SettingsSource;
  envModel: string;
  workspaces: SlackWorkspaces;
  /** The reporter's language: the status, the card and any notice are written in it. */
  languages: UserLanguages;
  triage: TriagePort;
  /** Where triages wait for their button (a small TTL store; the approval store serves). */
  kept: ApprovalStore;
  threads: ThreadStore;
  /** Whether create_ticket may run where the message is; only then does the card get its button. */
  ticketsIn: (where: { channel: string; isDm: boolean }) => boolean;
  quota?: QuotaPort;
  log: Logger;
}

export const TRIAGE_OUTPUT_TOKENS = 1_500;
const keptId = (id: string) => `triage:${id}`;

/** The card's content as the model reads it on later turns in the thread. */
function triageNote(t: Triage): string {
  const steps = t.steps_to_reproduce.length ? ` Steps: ${t.steps_to_reproduce.join(' → ')}.` : '';
  return `Triage card: "${t.title}" — severity ${t.severity}, category ${t.category}, component ${t.component ?? 'unknown'}, suggested owner ${t.suggested_owner ?? 'unknown'}, confidence ${t.confidence}. ${t.summary}${steps}`;
}

/** A triage request as a queue job: keyed to the message's thread, unique per request. */
export function triageJob(r: TriageRequest): TurnJob {
  return {
    id: `triage-${randomBytes(9).toString('hex')}`,
    key: { teamId: r.teamId, channel: r.channel, threadTs: r.message.threadTs },
    isDm: r.channel.startsWith('D'),
    userId: r.userId,
    messageTs: r.message.ts,
    text: r.message.text,
    triage: r,
    receivedAt: Date.now(),
  };
}

/**
 * "Triage this": read the message and its screenshots, ask for a triage with Structured Outputs, and post the
 * card (or a clear reason there is none) in the message's thread, with a status while it works.
 */
export async function triageMessage(r: TriageRequest, deps: TriageFlowDeps): Promise<void> {
  const log = deps.log.child({
    component: 'triage',
    slack: { team: r.teamId, channel: r.channel, message_ts: r.message.ts },
  });
  const [workspace, t] = await Promise.all([deps.workspaces.forTeam(r.teamId), deps.languages.of(r.teamId, r.userId)]);
  const key = { teamId: r.teamId, channel: r.channel, threadTs: r.message.threadTs };
  const settings = channelSettings(deps.settings.current(), deps.envModel, r.channel, r.channel.startsWith('D'));
  const status = new ThreadStatus(workspace.client, { channel: r.channel, threadTs: key.threadTs }, log);
  const images = r.message.files?.filter((f) => f.mimetype?.startsWith('image/')).length ?? 0;
  status.show(t.t('status.triaging'), [
    ...(images ? [t.t('loading.reading_images', { count: images })] : []),
    t.t('loading.triaging'),
  ]);
  try {
    const [text, prepared] = await Promise.all([
      resolveSlackMarkup(r.message.text, workspace.lookups, { botUserId: workspace.botUserId }),
      r.message.files?.length
        ? workspace.readFiles(r.message.files, { messageTs: r.message.ts, detail: settings.imageDetail })
        : undefined,
    ]);
    const images = (prepared?.attachments ?? []).flatMap((a): TriageImage[] =>
      a.kind === 'image' && a.data ? [{ mime: a.mime, data: a.data, detail: a.detail }] : [],
    );
    const admission = await deps.quota
      ?.account({
        teamId: r.teamId,
        channel: r.channel,
        userId: r.userId,
        turnId: `triage:${r.channel}:${r.message.ts}`,
      })
      .admit({
        model: settings.model,
        inputTokens: Math.ceil(text.length / 4) + images.length * 765,
        maxOutputTokens: TRIAGE_OUTPUT_TOKENS,
      });
    if (admission && !admission.ok) {
      await workspace.client.chat.postEphemeral({
        channel: r.channel,
        user: r.userId,
        thread_ts: key.threadTs,
        text: admission.notice(t),
      });
      return;
    }
    const outcome = await deps.triage({
      model: settings.model,
      text,
      images,
      safetyIdentifier: hashId('user', r.teamId, r.userId),
    });
    if (admission) {
      const usage = outcome.kind === 'ok' ? outcome.usage : undefined;
      await admission.settle(outcome.kind === 'ok' ? outcome.model : settings.model, usage ?? NO_USAGE);
    }
    if (outcome.kind !== 'ok') {
      await workspace.client.chat.postMessage({
        channel: r.channel,
        thread_ts: key.threadTs,
        // It may quote the model's refusal or an error: escaped, so it cannot ping or link.
        text: mrkdwn`${triageFailureText(t, outcome)}`,
      });
      log.info({ outcome: outcome.kind, images: images.length }, 'triage finished');
      return;
    }
    const stored: StoredTriage = {
      id: randomBytes(12).toString('hex'),
      teamId: r.teamId,
      channel: r.channel,
      threadTs: key.threadTs,
      messageTs: r.message.ts,
      requestedBy: r.userId,
      triage: outcome.triage,
    };
    const ticketsEnabled = deps.ticketsIn({ channel: r.channel, isDm: r.channel.startsWith('D') });
    if (ticketsEnabled)
      await deps.kept.put(
        keptId(stored.id),
        JSON.stringify(stored),
        deps.settings.current().tools.approval_ttl_minutes * 60,
      );
    const posted = await workspace.client.chat.postMessage({
      channel: r.channel,
      thread_ts: key.threadTs,
      text: triageCardText(t, outcome.triage),
      blocks: triageCardBlocks(t, outcome.triage, {
        id: stored.id,
        requestedBy: r.userId,
        ticketsEnabled,
      }),
    });
    // Follow-ups in the thread ("make it high priority") can build on the triage.
    await deps.threads.append(key, [
      { type: 'assistant', ts: posted.ts ? String(posted.ts) : undefined, text: triageNote(outcome.triage) },
    ]);
    log.info({ outcome: outcome.kind, images: images.length, severity: outcome.triage.severity }, 'triage finished');
  } finally {
    await status.clear();
  }
}

/** A stored triage for a "Create ticket" click; undefined once expired. */
export async function keptTriage(kept: ApprovalStore, id: string): Promise<StoredTriage | undefined> {
  return parseStored(storedTriageSchema, await kept.get(keptId(id)));
}

const PRIORITY: Record<Triage['severity'], 'low' | 'medium' | 'high' | 'urgent'> = {
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'urgent',
};

/** create_ticket's arguments from a triage, within that tool's limits. */
export function ticketArgs(
  t: StoredTriage,
  permalink?: string,
): { title: string; description: string; priority: 'low' | 'medium' | 'high' | 'urgent' } {
  const tr = t.triage;
  const lines = [
    tr.summary.trim(),
    ...(tr.steps_to_reproduce.length
      ? ['', 'Steps to reproduce:', ...tr.steps_to_reproduce.map((s, i) => `${i + 1}. ${s}`)]
      : []),
    '',
    `Category: ${tr.category}; component: ${tr.component ?? 'unknown'}; suggested owner: ${tr.suggested_owner ?? 'unknown'}; triage confidence ${Math.round(tr.confidence * 100)}%.`,
    ...(permalink ? [`Reported in Slack: ${permalink}`] : []),
  ];
  const title =
    tr.title.trim().length >= 5 ? tr.title.trim() : `Report: ${tr.title.trim() || tr.category}`.padEnd(5, '.');
  return {
    title: title.slice(0, 150),
    description: lines.join('\n').slice(0, 4_000).padEnd(10, '.'),
    priority: PRIORITY[tr.severity],
  };
}
