import type OpenAI from 'openai';
import { pino } from 'pino';
import type { FileConfig } from '../../config/file-schema.js';
import { channelSettings } from '../../config/settings.js';
import { withPrivacy } from '../../pii/redacting-model.js';
import { storeKeys } from '../../store/keys.js';
import { MemoryThreadStore } from '../../store/memory/memory-stores.js';
import type { ThreadItem, ThreadKey } from '../../store/types.js';
import type { ReplySink } from '../../turn/ports.js';
import { runTurn } from '../../turn/run-turn.js';
import type { EvalCase, EvalSuite } from './cases.js';
import { runChecks, type CheckResult } from './checks.js';
import { EvalModel, imageFromFile } from './eval-model.js';
import type { Grader } from './grader.js';
import { mergeStubs, StubToolRunner, type FunctionCall } from './tool-stubs.js';

export interface CaseResult {
  suite: string;
  id: string;
  passed: boolean;
  answer: string;
  notice?: string;
  toolCalls: FunctionCall[];
  checks: CheckResult[];
  error?: string;
  model?: string;
  usage?: { inputTokens: number; outputTokens: number };
  latencyMs: number;
}

export interface EvalDeps {
  openai: OpenAI;
  file: FileConfig;
  grader: Grader;
  now?: () => number;
}

export interface EvalOptions {
  /** Overrides the configured model for every case. */
  model: string;
  maxToolRounds?: number;
  concurrency?: number;
  onCase?: (result: CaseResult) => void;
}

/** Collects the answer the turn would have streamed to Slack. */
class CapturingSink implements ReplySink {
  text = '';
  notice?: string;
  append(delta: string): void {
    this.text += delta;
  }
  status(): void {}
  async restart(): Promise<void> {
    this.text = '';
  }
  async finish(end: { outcome: 'answered' | 'failed'; notice?: string }): Promise<{ messageTs: string[] }> {
    this.notice = end.notice;
    return { messageTs: ['eval.000001'] };
  }
}

const EVAL_USER = { id: 'UEVAL', name: 'Eval' };

function historyItems(c: EvalCase): ThreadItem[] {
  return c.history.map((h, i): ThreadItem =>
    h.role === 'user' ? { type: 'user', ts: `1.${String(i).padStart(6, '0')}`, userId: EVAL_USER.id, userName: EVAL_USER.name, text: h.text } : { type: 'assistant', text: h.text },
  );
}

/** One case through the production turn (runTurn) with an in-memory thread, a capturing sink and stubbed tools. */
export async function runCase(suite: EvalSuite, c: EvalCase, deps: EvalDeps, opts: EvalOptions): Promise<CaseResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const key: ThreadKey = { teamId: 'TEVAL', channel: suite.channel ?? 'CEVAL', threadTs: '1.000000' };
  const base = channelSettings(deps.file, opts.model, key.channel, false);
  const settings = { ...base, model: opts.model, instructions: suite.instructions ?? base.instructions };
  const threads = new MemoryThreadStore(storeKeys('eval:'), 3600, 20);
  await threads.append(key, historyItems(c));
  const tools = new StubToolRunner(mergeStubs(suite.tools, c.tools));
  const sink = new CapturingSink();
  try {
    const images = await Promise.all(c.images.map((p) => imageFromFile(p, settings.imageDetail)));
    const model = new EvalModel(deps.openai, { images, tools, maxToolRounds: opts.maxToolRounds ?? 5 });
    const turn = await runTurn(
      { turnId: `eval-${suite.name}-${c.id}`, key, settings, user: EVAL_USER, text: c.input, messageTs: '2.000000', sink },
      { model: withPrivacy(model, deps.file.privacy), threads, log: pino({ level: 'silent' }), requestOptions: { store: false, chainPreviousResponse: false }, stallSeconds: 0, maxToolRounds: opts.maxToolRounds ?? 5 },
    );
    const base = { suite: suite.name, id: c.id, answer: sink.text, notice: sink.notice, toolCalls: model.calls, model: turn.call?.model };
    const usage = turn.call?.usage && { inputTokens: turn.call.usage.inputTokens, outputTokens: turn.call.usage.outputTokens };
    if (turn.error) return { ...base, passed: false, checks: [], error: `${turn.error.kind}: ${turn.error.message}`, latencyMs: now() - started };
    const checks = await runChecks(c.expect, { question: c.input, answer: sink.text, calls: model.calls }, deps.grader);
    return { ...base, usage, passed: checks.every((r) => r.pass), checks, latencyMs: now() - started };
  } catch (err) {
    return { suite: suite.name, id: c.id, passed: false, answer: sink.text, toolCalls: tools.calls, checks: [], error: (err as Error).message, latencyMs: now() - started };
  }
}

/** All cases of all suites, a few at a time; results come back in suite and case order. */
export async function runSuites(suites: readonly EvalSuite[], deps: EvalDeps, opts: EvalOptions): Promise<CaseResult[]> {
  const jobs = suites.flatMap((s) => s.cases.map((c) => ({ s, c })));
  const results: CaseResult[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      const { s, c } = jobs[i]!;
      results[i] = await runCase(s, c, deps, opts);
      opts.onCase?.(results[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, jobs.length)) }, worker));
  return results;
}
