import type { HomeView, KnownBlock } from '@slack/types';
import type { Translator } from '../../i18n/translators.js';
import { clipMrkdwn, mention, mrkdwn } from '../../platform/slack/mrkdwn.js';
import type { ChannelOverride } from '../../platform/store/channel-overrides.js';
import type { UsageTotals } from '../../turn/ports.js';
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
  /** For admins: channel settings changed from Slack (by channel id). */
  overrides?: Record<string, ChannelOverride>;
}

const shown = (v: unknown) => (typeof v === 'string' ? v.replace(/\s+/g, ' ').slice(0, 60) : JSON.stringify(v));

/** Each overridden channel: what it is set to now, and the latest change (who, when, from what). */
function overrideLines(t: Translator, overrides: Record<string, ChannelOverride>): string[] {
  const file = t.t('home.overrides.file');
  return Object.entries(overrides)
    .filter(([, o]) => o.history.length)
    .map(([channel, o]) => {
      const last = o.history.at(-1)!;
      const set = Object.entries(o.settings).map(([k, v]) => mrkdwn`${k}: ${shown(v)}`);
      const changed = Object.entries(last.fields).map(
        ([k, c]) =>
          mrkdwn`${k} ${c.from === undefined ? file : shown(c.from)} → ${c.to === undefined ? file : shown(c.to)}`,
      );
      return t.t('home.overrides.line', {
        channel: mrkdwn`#${channel}`,
        settings: set.join(', ') || t.t('home.overrides.as_in_file'),
        who: mrkdwn`${mention(last.by)}`,
        when: t.utc(last.at),
        changes: changed.join('; '),
      });
    });
}

const tokens = (u: UsageTotals) => u.inputTokens + u.outputTokens;
const usageLine = (t: Translator, u: UsageTotals) =>
  u.calls
    ? t.t('home.usage.line', { tokens: tokens(u), cost: t.usd(u.usdMicros / 1e6), calls: u.calls })
    : t.t('home.usage.nothing');

/** Admins see first what will stop working: models OpenAI shuts down soon or no longer serves. */
function modelWarningBlock(t: Translator, warnings: readonly string[]): KnownBlock {
  const lines = warnings.map((w) => mrkdwn`• ${w}`);
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: [t.t('home.models.title'), ...lines, t.t('home.models.see')].join('\n') },
  };
}

/** The App Home tab in the viewer's language: what the bot does, how to reach it, and what the viewer has used. */
export function homeView(t: Translator, h: HomeInput): HomeView {
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Threadwise' } },
    ...(h.modelWarnings?.length ? [modelWarningBlock(t, h.modelWarnings)] : []),
    {
      type: 'section',
      text: { type: 'mrkdwn', text: t.t('home.greeting', { user: mrkdwn`${mention(h.userId)}` }) },
    },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: [t.t('home.what_i_do'), ...h.capabilities.map((c) => `• ${c}`)].join('\n') },
    },
    { type: 'divider' },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: [t.t('home.commands'), ...h.commands.map((c) => t.t('home.command_line', c))].join('\n'),
      },
    },
    { type: 'section', text: { type: 'mrkdwn', text: t.t('home.shortcuts') } },
    { type: 'divider' },
    ...(h.extra ?? []),
  ];
  if (h.usage) {
    const lines = [
      t.t('home.usage.today', { line: usageLine(t, h.usage.userToday) }),
      t.t('home.usage.month', { line: usageLine(t, h.usage.userMonth) }),
    ];
    if (h.dailyLimit !== undefined)
      lines.push(
        t.t('home.usage.limit', {
          limit: h.dailyLimit,
          left: Math.max(0, h.dailyLimit - tokens(h.usage.userToday)),
        }),
      );
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: [t.t('home.usage.title'), ...lines].join('\n') } });
  } else {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: [t.t('home.usage.title'), t.t('home.usage.unavailable')].join('\n') },
    });
  }
  if (h.overrides) {
    const lines = overrideLines(t, h.overrides);
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clipMrkdwn(
          [t.t('home.overrides.title'), lines.join('\n') || t.t('home.overrides.none')].join('\n'),
          3_000,
        ),
      },
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: t.t('home.footer') }] });
  return { type: 'home', callback_id: 'tw_home', blocks };
}
