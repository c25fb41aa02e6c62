import { stringify } from 'csv-stringify/sync';
import type { ModelUsage } from '../../../turn/ports.js';
import { SEVERITIES, type Severity, type Triage } from '../../triage/schema.js';
import { costOf, formatUsd, type PriceTable } from '../../usage/prices.js';
import { when } from './requests.js';
import type { TriageResult } from './results.js';

export interface ReportContext {
  channelName: string;
  /** e.g. "the last 7 days" */
  period: string;
  batchId: string;
  model: string;
  /** https://<workspace>.slack.com/ from auth.test, for thread links; none when unknown. */
  workspaceUrl?: string;
  usage: ModelUsage;
  /** The configured price table (Batch calls at its batch multiplier). */
  prices: PriceTable;
  /** Lines of the result files that could not be read. */
  unreadable: number;
}

const ICON: Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '⚪' };
/** SEVERITIES runs from least to most severe. */
const rank = (s: Severity) => SEVERITIES.indexOf(s);

type Triaged = TriageResult & { outcome: { status: 'triaged'; triage: Triage } };
const isTriaged = (r: TriageResult): r is Triaged => r.outcome.status === 'triaged';

/** Most severe first, then most confident, then oldest. */
function ordered(results: readonly TriageResult[]): Triaged[] {
  return results
    .filter(isTriaged)
    .sort(
      (a, b) =>
        rank(b.outcome.triage.severity) - rank(a.outcome.triage.severity) ||
        b.outcome.triage.confidence - a.outcome.triage.confidence ||
        Number(a.ts) - Number(b.ts),
    );
}

/** A link to the thread the way Slack's "Copy link" writes it. */
function threadLink(workspaceUrl: string | undefined, channel: string, ts: string): string | undefined {
  if (!workspaceUrl) return undefined;
  return `${workspaceUrl.replace(/\/?$/, '/')}archives/${channel}/p${ts.replace('.', '')}`;
}

const cell = (s: string | null | undefined): string => (s ?? '—').replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

function counts(results: readonly TriageResult[]): string {
  const triaged = ordered(results);
  const bySeverity = SEVERITIES.slice()
    .reverse()
    .map((s) => [s, triaged.filter((r) => r.outcome.triage.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  const other = results.length - triaged.length;
  return `${results.length} thread${results.length === 1 ? '' : 's'}: ${bySeverity.join(', ') || 'none triaged'}${other ? `; ${other} not triaged` : ''}`;
}

function costLine(ctx: ReportContext): string {
  const { inputTokens, outputTokens, reasoningTokens } = ctx.usage;
  const thinking = reasoningTokens ? ` (${reasoningTokens.toLocaleString('en-US')} of them reasoning)` : '';
  const tokens = `${inputTokens.toLocaleString('en-US')} input and ${outputTokens.toLocaleString('en-US')} output tokens${thinking}`;
  const cost = costOf(ctx.prices, ctx.model, ctx.usage, { batch: true });
  return `${tokens}, about ${formatUsd(cost.usd)} at Batch prices${cost.known ? '' : ` (priced as ${cost.pricedAs})`}`;
}

export function markdownReport(results: readonly TriageResult[], ctx: ReportContext): string {
  const out: string[] = [
    `# Triage of #${ctx.channelName}, ${ctx.period}`,
    '',
    `Batch \`${ctx.batchId}\` · ${ctx.model} · ${counts(results)} · ${costLine(ctx)}`,
    '',
  ];
  const triaged = ordered(results);
  if (triaged.length) {
    out.push(
      '| Severity | Title | Category | Component | Suggested owner | Confidence | Thread |',
      '|---|---|---|---|---|---|---|',
    );
    for (const r of triaged) {
      const t = r.outcome.triage;
      const link = threadLink(ctx.workspaceUrl, r.channel, r.ts);
      out.push(
        `| ${ICON[t.severity]} ${t.severity} | ${cell(t.title)} | ${cell(t.category)} | ${cell(t.component)} | ${cell(t.suggested_owner)} | ${Math.round(t.confidence * 100)}% | ${link ? `[${when(r.ts)}](${link})` : when(r.ts)} |`,
      );
    }
    out.push('', '## Details', '');
    for (const r of triaged) {
      const t = r.outcome.triage;
      out.push(`### ${ICON[t.severity]} ${t.title}`, '', t.summary, '');
      if (t.steps_to_reproduce.length)
        out.push('Steps to reproduce:', '', ...t.steps_to_reproduce.map((s, i) => `${i + 1}. ${s}`), '');
    }
  }
  const others = results.filter((r) => !isTriaged(r));
  if (others.length) {
    out.push('## Not triaged', '');
    for (const r of others) {
      const link = threadLink(ctx.workspaceUrl, r.channel, r.ts);
      out.push(
        `- ${link ? `[${when(r.ts)}](${link})` : when(r.ts)} — ${r.outcome.status}: ${'detail' in r.outcome ? cell(r.outcome.detail) : ''}`,
      );
    }
    out.push('');
  }
  if (ctx.unreadable) out.push(`⚠️ ${ctx.unreadable} line(s) of the result files could not be read.`, '');
  return out.join('\n');
}

export function csvReport(results: readonly TriageResult[], ctx: ReportContext): string {
  const triaged = ordered(results);
  const rows = [...triaged, ...results.filter((r) => !isTriaged(r))].map((r) => {
    const t = r.outcome.status === 'triaged' ? r.outcome.triage : undefined;
    return {
      channel: r.channel,
      thread_ts: r.ts,
      link: threadLink(ctx.workspaceUrl, r.channel, r.ts) ?? '',
      status: r.outcome.status,
      severity: t?.severity ?? '',
      title: t?.title ?? '',
      category: t?.category ?? '',
      component: t?.component ?? '',
      suggested_owner: t?.suggested_owner ?? '',
      confidence: t ? t.confidence : '',
      summary: t?.summary ?? '',
      steps_to_reproduce: t?.steps_to_reproduce.join(' / ') ?? '',
      problem: r.outcome.status === 'triaged' ? '' : r.outcome.detail,
    };
  });
  return stringify(rows, {
    header: true,
    columns: [
      'channel',
      'thread_ts',
      'link',
      'status',
      'severity',
      'title',
      'category',
      'component',
      'suggested_owner',
      'confidence',
      'summary',
      'steps_to_reproduce',
      'problem',
    ],
  });
}

/** A short Markdown digest for Slack: the counts and the most severe threads (Slack caps markdown_text at 12,000). */
export function digest(results: readonly TriageResult[], ctx: ReportContext, max = 10): string {
  const triaged = ordered(results);
  const lines = [`**Triage of #${ctx.channelName}, ${ctx.period}** — ${counts(results)}`];
  for (const r of triaged.slice(0, max)) {
    const t = r.outcome.triage;
    const link = threadLink(ctx.workspaceUrl, r.channel, r.ts);
    const title = link ? `[${t.title.replace(/[[\]]/g, '')}](${link})` : t.title;
    const extra = [t.component, t.suggested_owner && `owner: ${t.suggested_owner}`].filter(Boolean).join(' · ');
    lines.push(`- ${ICON[t.severity]} **${t.severity}** ${title}${extra ? ` — ${extra}` : ''}`);
  }
  if (triaged.length > max) lines.push(`- …and ${triaged.length - max} more in the full report.`);
  return lines.join('\n').slice(0, 11_900);
}
