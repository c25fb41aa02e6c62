import type { HomeView, KnownBlock } from '@slack/types';
import { mention, mrkdwn } from '../../platform/slack/mrkdwn.js';
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
  /** Blocks other features add for this viewer, shown before the usage. */
  extra?: KnownBlock[];
  /** The caller's daily token limit here, when one applies. */
  dailyLimit?: number;
  /** Admins only: models that shut down soon or are gone (text from the settings and the Models API). */
  modelWarnings?: string[];
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
    ...(h.extra ?? []),
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
