import type { FunctionCall } from '../../../turn/ports.js';
import type { Expectations } from './cases.js';
import type { Grader } from './grader.js';
import { ajv } from './json-schema.js';

export interface CheckResult {
  check: string;
  pass: boolean;
  detail?: string;
}

/** "/pattern/flags" as written, or a bare pattern matched case-insensitively. */
function toRegExp(source: string): RegExp {
  const m = /^\/(.*)\/([dgimsuvy]*)$/s.exec(source);
  return m ? new RegExp(m[1]!, m[2]) : new RegExp(source, 'i');
}

/** Every expected key equal; strings compared case- and space-insensitively, objects recursively. */
export function argumentsMatch(expected: unknown, actual: unknown): boolean {
  if (typeof expected === 'string' && typeof actual === 'string')
    return expected.trim().toLowerCase() === actual.trim().toLowerCase();
  if (Array.isArray(expected))
    return (
      Array.isArray(actual) &&
      expected.length === actual.length &&
      expected.every((e, i) => argumentsMatch(e, actual[i]))
    );
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object') return false;
    return Object.entries(expected).every(([k, v]) => argumentsMatch(v, (actual as Record<string, unknown>)[k]));
  }
  return expected === actual;
}

function parsedArguments(call: FunctionCall): unknown {
  try {
    return JSON.parse(call.arguments);
  } catch {
    return undefined;
  }
}

/** Deterministic checks first; the rubric (a model call) only when asked for. */
export async function runChecks(
  expect: Expectations,
  run: { question: string; answer: string; calls: readonly FunctionCall[] },
  grader: Grader,
): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const lower = run.answer.toLowerCase();
  for (const s of expect.contains) out.push({ check: `contains "${s}"`, pass: lower.includes(s.toLowerCase()) });
  for (const s of expect.not_contains)
    out.push({ check: `does not contain "${s}"`, pass: !lower.includes(s.toLowerCase()) });
  for (const r of expect.regex) out.push({ check: `matches ${r}`, pass: toRegExp(r).test(run.answer) });
  if (expect.json_schema) {
    let value: unknown;
    let parsed = true;
    try {
      value = JSON.parse(run.answer);
    } catch {
      parsed = false;
    }
    const validate = ajv.compile(expect.json_schema);
    const pass = parsed && validate(value);
    out.push({
      check: 'valid against the JSON schema',
      pass,
      detail: pass ? undefined : parsed ? ajv.errorsText(validate.errors) : 'the answer is not JSON',
    });
  }
  for (const want of expect.tool_calls) {
    const named = run.calls.filter((c) => c.name === want.name);
    const pass = named.some((c) => argumentsMatch(want.arguments, parsedArguments(c)));
    const seen = named.map((c) => c.arguments).join(' | ');
    out.push({
      check: `calls ${want.name}(${JSON.stringify(want.arguments)})`,
      pass,
      detail: pass
        ? undefined
        : named.length
          ? `called with ${seen}`
          : `not called${run.calls.length ? ` (called ${run.calls.map((c) => c.name).join(', ')})` : ''}`,
    });
  }
  if (expect.no_tool_calls)
    out.push({
      check: 'calls no tool',
      pass: run.calls.length === 0,
      detail: run.calls.length ? `called ${run.calls.map((c) => c.name).join(', ')}` : undefined,
    });
  if (expect.rubric) {
    const graded = await grader(run.question, run.answer, expect.rubric);
    out.push(
      graded.ok
        ? {
            check: 'rubric',
            pass: graded.grade.verdict === 'pass',
            detail: `${graded.grade.score.toFixed(2)}: ${graded.grade.reasoning}`,
          }
        : { check: 'rubric', pass: false, detail: graded.error },
    );
  }
  return out;
}
