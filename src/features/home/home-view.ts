import type { HomeView, KnownBlock } from '@slack/types';
import { clipMrkdwn, mention, mrkdwn } from '../../platform/slack/mrkdwn.js';
import type { ChannelOverride } from '../../platform/store/channel-overrides.js';
import type { UsageTotals } from '../../turn/ports.js';
import { formatCount, formatUsd } from '../usage/prices.js';
import type { UsageReport } from '../usage/types.js';

export interface HomeInput {
  userId: string;
  /** What this deployment can do, one line each (tools and features that are configured). */
  capabilities: string[];
  /** Slash command lines: `name` and what it does. */
  commands: Array<{ usage: string; description: string }>;
  usage?: UsageReport;
  /** The caller's daily token limit here, when one applies. */
  dailyLimit?: number;
  /** Admins only: models that shut down soon or are gone (text from the settings and the Models API). */
  modelWarnings?: string[];
  /** For admins: channel settings changed from Slack (by channel id). */
  overrides?: Record<string, ChannelOverride>;
}

const shown = (v: unknown) => (typeof v === 'string' ? v.replace(/\s+/g, ' ').slice(0, 60) : JSON.stringify(v));

/** Each overridden channel: what it is set to now, and the latest change (who, when, from what). */
function overrideLines(overrides: Record<string, ChannelOverride>): string[] {
  return Object.entries(overrides)
    .filter(([, o]) => o.history.length)
    .map(([channel, o]) => {
      const last = o.history.at(-1)!;
      const set = Object.entries(o.settings).map(([k, v]) => mrkdwn`${k}: ${shown(v)}`);
      const changed = Object.entries(last.fields).map(
        ([k, c]) =>
          mrkdwn`${k} ${c.from === undefined ? 'file' : shown(c.from)} → ${c.to === undefined ? 'file' : shown(c.to)}`,
      );
      const when = new Date(last.at).toISOString().replace('T', ' ').slice(0, 16);
      return `• ${mrkdwn`#${channel}`} — ${set.join(', ') || 'as in the file'}
   _last change by ${mrkdwn`${mention(last.by)}`} on ${when} UTC: ${changed.join('; ')}_`;
    });
}

const tokens = (t: UsageTotals) => t.inputTokens + t.outputTokens;
const usageLine = (t: UsageTotals) =>
  t.calls
    ? `${formatCount(tokens(t))} tokens · ${formatUsd(t.usdMicros / 1e6)} · ${formatCount(t.calls)} model calls`
    : 'nothing yet';

/** Admins see first what will stop working: models OpenAI shuts down soon or no longer serves. */
function modelWarningBlock(warnings: readonly string[]): KnownBlock {
  const lines = warnings.map((w) => mrkdwn`• ${w}`).join('\n');
  return {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: `⏳ *Models need attention* (you see this as an admin)\n${lines}\nSee docs/model-review.md to compare a candidate and switch.`,
    },
  };
}

/** The App Home tab: what the bot does, how to reach it, and what the viewer has used. */
export function homeView(h: HomeInput): HomeView {
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Threadwise' } },
    ...(h.modelWarnings?.length ? [modelWarningBlock(h.modelWarnings)] : []),
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: mrkdwn`Hi ${mention(h.userId)}! I answer questions in Slack threads. Mention me in a channel, or write to me in the *Messages* tab; follow-ups in the thread need no mention.`,
      },
    },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `*What I can do*\n${h.capabilities.map((c) => `• ${c}`).join('\n')}` },
    },
    { type: 'divider' },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*Commands*\n${h.commands.map((c) => `• \`${c.usage}\` — ${c.description}`).join('\n')}`,
      },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '*Message shortcuts* (the ⋮ menu on any message)\n• *Ask Threadwise*\n• *Summarize thread*\n• *Triage this* — a triage card with severity, owner and a Create ticket button',
      },
    },
    { type: 'divider' },
  ];
  if (h.usage) {
    const lines = [`• Today (UTC): ${usageLine(h.usage.userToday)}`, `• This month: ${usageLine(h.usage.userMonth)}`];
    if (h.dailyLimit !== undefined)
      lines.push(
        `• Daily limit: ${formatCount(h.dailyLimit)} tokens — ${formatCount(Math.max(0, h.dailyLimit - tokens(h.usage.userToday)))} left`,
      );
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Your usage*\n${lines.join('\n')}` } });
  } else {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: '*Your usage*\n_Usage is not available right now._' },
    });
  }
  if (h.overrides) {
    const lines = overrideLines(h.overrides);
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clipMrkdwn(
          `*Channel settings changed from Slack* (\`/threadwise admin channel\`; the settings file applies elsewhere)\n${lines.join('\n') || '_None: every channel follows the settings file._'}`,
          3_000,
        ),
      },
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: 'Your feedback (👍 / 👎 under answers) helps improve me. `/threadwise forget-me` deletes what I keep about you.',
      },
    ],
  });
  return { type: 'home', callback_id: 'tw_home', blocks };
}
