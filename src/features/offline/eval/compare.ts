import Table from 'cli-table3';
import { formatUsd } from '../../usage/prices.js';
import type { EvalSummary } from './report.js';
import type { CaseResult } from './runner.js';

/** What a model review decides on: both runs over the same cases, and whether the candidate clears the bar. */
export interface Comparison {
  baseline: EvalSummary;
  candidate: EvalSummary;
  threshold: number;
  /** The candidate's pass rate reaches the threshold. */
  ok: boolean;
}

export interface ModelTotals {
  model: string;
  passRate: number;
  passed: number;
  total: number;
  tokens: number;
  costUsd: number;
  /** Median over the cases that produced text. */
  medianFirstTokenMs?: number;
  medianLatencyMs: number;
}

const tokensOf = (r: CaseResult) => (r.usage ? r.usage.inputTokens + r.usage.outputTokens : 0);

function median(values: number[]): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function totals(s: EvalSummary): ModelTotals {
  return {
    model: s.model,
    passRate: s.passRate,
    passed: s.passed,
    total: s.total,
    tokens: s.cases.reduce((n, r) => n + tokensOf(r), 0),
    costUsd: s.cases.reduce((n, r) => n + (r.usage?.costUsd ?? 0), 0),
    medianFirstTokenMs: median(s.cases.flatMap((r) => (r.firstTokenMs !== undefined ? [r.firstTokenMs] : []))),
    medianLatencyMs: median(s.cases.map((r) => r.latencyMs)) ?? 0,
  };
}

export function compare(baseline: EvalSummary, candidate: EvalSummary, threshold: number): Comparison {
  return { baseline, candidate, threshold, ok: candidate.total > 0 && candidate.passRate >= threshold };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (n: number | undefined) => (n === undefined ? '–' : `${Math.round(n).toLocaleString('en-US')} ms`);
const result = (r: CaseResult | undefined) => (!r ? '–' : r.passed ? 'pass' : 'FAIL');

/** Case rows in the baseline's order, each with both runs side by side. */
function rows(c: Comparison): Array<{ key: string; a?: CaseResult; b?: CaseResult }> {
  const id = (r: CaseResult) => `${r.suite}/${r.id}`;
  const b = new Map(c.candidate.cases.map((r) => [id(r), r]));
  const keys = [...new Set([...c.baseline.cases.map(id), ...c.candidate.cases.map(id)])];
  const a = new Map(c.baseline.cases.map((r) => [id(r), r]));
  return keys.map((key) => ({ key, a: a.get(key), b: b.get(key) }));
}

function verdict(c: Comparison): string {
  const t = totals(c.candidate);
  return `${c.candidate.model}: ${t.passed}/${t.total} cases passed (${pct(t.passRate)}); threshold ${pct(c.threshold)}: ${c.ok ? 'PASS' : 'FAIL'}`;
}

function totalsRows(c: Comparison): string[][] {
  const [a, b] = [totals(c.baseline), totals(c.candidate)];
  return [
    ['Pass rate', `${pct(a.passRate)} (${a.passed}/${a.total})`, `${pct(b.passRate)} (${b.passed}/${b.total})`],
    ['Tokens', a.tokens.toLocaleString('en-US'), b.tokens.toLocaleString('en-US')],
    ['Cost', formatUsd(a.costUsd), formatUsd(b.costUsd)],
    ['First token (median)', ms(a.medianFirstTokenMs), ms(b.medianFirstTokenMs)],
    ['Total latency (median)', ms(a.medianLatencyMs), ms(b.medianLatencyMs)],
  ];
}

/** The terminal table: totals first, then one row per case with both models' result, tokens, cost and latencies. */
export function comparisonTable(c: Comparison, color = false): string {
  const style = { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] };
  const [a, b] = [c.baseline.model, c.candidate.model];
  const sum = new Table({ head: ['', a, b], style });
  sum.push(...totalsRows(c));
  const cases = new Table({
    head: ['Case', 'Result', 'Tokens', 'Cost', 'First token', 'Total'],
    style,
  });
  for (const { key, a: x, b: y } of rows(c))
    cases.push([
      key,
      `${result(x)} → ${result(y)}`,
      `${x ? tokensOf(x) : '–'} → ${y ? tokensOf(y) : '–'}`,
      `${formatUsd(x?.usage?.costUsd ?? 0)} → ${formatUsd(y?.usage?.costUsd ?? 0)}`,
      `${ms(x?.firstTokenMs)} → ${ms(y?.firstTokenMs)}`,
      `${ms(x?.latencyMs)} → ${ms(y?.latencyMs)}`,
    ]);
  return `${sum.toString()}\n${cases.toString()}\n${verdict(c)}\n`;
}

/** A `|` in a case id or an error would break the Markdown table. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The review as Markdown, for a pull request or the change record that switches the model. */
export function comparisonMarkdown(c: Comparison): string {
  const [a, b] = [c.baseline.model, c.candidate.model];
  const lines = [
    `# Model review: ${a} → ${b}`,
    '',
    `Run ${c.candidate.startedAt}; rubrics graded by ${c.candidate.graderModel}. ${verdict(c)}.`,
    '',
    `| | ${cell(a)} | ${cell(b)} |`,
    '|---|---|---|',
    ...totalsRows(c).map(([k, x, y]) => `| ${k} | ${x} | ${y} |`),
    '',
    '## Cases',
    '',
    `| Case | ${cell(a)} | ${cell(b)} | Tokens | Cost | First token | Total | Why the candidate failed |`,
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const { key, a: x, b: y } of rows(c)) {
    const why =
      y?.error ??
      (y?.checks ?? [])
        .filter((k) => !k.pass)
        .map((k) => k.check)
        .join(', ');
    lines.push(
      `| ${cell(key)} | ${result(x)} | ${result(y)} | ${x ? tokensOf(x) : '–'} → ${y ? tokensOf(y) : '–'} | ${formatUsd(x?.usage?.costUsd ?? 0)} → ${formatUsd(y?.usage?.costUsd ?? 0)} | ${ms(x?.firstTokenMs)} → ${ms(y?.firstTokenMs)} | ${ms(x?.latencyMs)} → ${ms(y?.latencyMs)} | ${cell(why ?? '')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
