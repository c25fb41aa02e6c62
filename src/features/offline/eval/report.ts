import Table from 'cli-table3';
import type { CaseResult } from './runner.js';

export interface EvalSummary {
  model: string;
  graderModel: string;
  startedAt: string;
  threshold: number;
  passed: number;
  total: number;
  passRate: number;
  ok: boolean;
  /** `accuracy`: for a desk-gate suite, the share of cases on the right side of its threshold. */
  suites: Array<{ suite: string; passed: number; total: number; accuracy?: { threshold: number; value: number } }>;
  cases: CaseResult[];
}

export function summarize(
  results: CaseResult[],
  meta: { model: string; graderModel: string; startedAt: string; threshold: number },
): EvalSummary {
  const passed = results.filter((r) => r.passed).length;
  const passRate = results.length ? passed / results.length : 0;
  const names = [...new Set(results.map((r) => r.suite))];
  return {
    ...meta,
    passed,
    total: results.length,
    passRate,
    ok: results.length > 0 && passRate >= meta.threshold,
    suites: names.map((suite) => {
      const own = results.filter((r) => r.suite === suite);
      const passed = own.filter((r) => r.passed).length;
      const threshold = own.find((r) => r.gate)?.gate?.threshold;
      return {
        suite,
        passed,
        total: own.length,
        ...(threshold !== undefined ? { accuracy: { threshold, value: own.length ? passed / own.length : 0 } } : {}),
      };
    }),
    cases: results,
  };
}

const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** One row per case: what failed and why, so a red run can be read without opening the JSON. */
export function table(summary: EvalSummary, color = false): string {
  const t = new Table({
    head: ['Suite', 'Case', 'Result', 'Checks', 'Why it failed'],
    colWidths: [20, 28, 8, 8, 60],
    wordWrap: true,
    style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] },
  });
  for (const r of summary.cases) {
    const failed = r.error
      ? [r.error]
      : r.checks.filter((c) => !c.pass).map((c) => (c.detail ? `${c.check}: ${c.detail}` : c.check));
    const ok = r.checks.filter((c) => c.pass).length;
    t.push([r.suite, r.id, r.passed ? 'pass' : 'FAIL', `${ok}/${r.checks.length}`, short(failed.join('\n'), 400)]);
  }
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const verdict = `${summary.passed}/${summary.total} cases passed (${pct(summary.passRate)}); threshold ${pct(summary.threshold)}: ${summary.ok ? 'PASS' : 'FAIL'}`;
  const suites = summary.suites.map((s) =>
    s.accuracy
      ? `${s.suite}: accuracy ${pct(s.accuracy.value)} at min_confidence ${s.accuracy.threshold} (${s.passed}/${s.total})`
      : `${s.suite}: ${s.passed}/${s.total}`,
  );
  return `${t.toString()}\n${suites.join(' · ')}\n${verdict}\n`;
}
