import { type Logger, pino } from 'pino';
import type { FileConfig } from '../../../config/file-schema.js';
import { channelSettings } from '../../../config/settings.js';
import type { Translators } from '../../../i18n/translators.js';
import { readLocalFiles } from '../../../platform/slack/files/local-files.js';
import { storeKeys } from '../../../platform/store/keys.js';
import { MemoryThreadStore } from '../../../platform/store/memory/memory-stores.js';
import type { FunctionCall, ModelPort, ReplySink } from '../../../turn/ports.js';
import { runTurn } from '../../../turn/run-turn.js';
import type { ThreadItem, ThreadKey } from '../../../turn/thread.js';
import { createTurnDeps } from '../../answering/turn-setup.js';
import type { DeskGate } from '../../desk/gate.js';
import { priceOfTable, priceTable } from '../../usage/prices.js';
import { type AnySuite, type EvalCase, type EvalSuite, type GateCase, type GateSuite, isGateSuite } from './cases.js';
import { type CheckResult, runChecks } from './checks.js';
import type { Grader } from './grader.js';
import { mergeStubs, StubToolRunner } from './tool-stubs.js';

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
  /** Summed over every model call of the case (tool rounds included); dollars from `pricing`. */
  usage?: { inputTokens: number; cachedTokens: number; outputTokens: number; calls: number; costUsd: number };
  latencyMs: number;
  /** A desk-gate case: the gate's confidence and the threshold it was judged at. */
  gate?: { confidence?: number; threshold: number };
  /** From the start of the case to the first text of the answer (absent when no text came). */
  firstTokenMs?: number;
}

export interface EvalDeps {
  /** The production model port (createModel): compat, retries, stall detection and privacy redaction included. */
  model: ModelPort;
  file: FileConfig;
  grader: Grader;
  /** The help desk's gate, for `kind: desk_gate` suites. */
  gate?: DeskGate;
  /** The bot's own notices, in English: graders read them as the turn wrote them. */
  translators: Translators;
  now?: () => number;
  log?: Logger;
}

export interface EvalOptions {
  /** Overrides the configured model for every case. */
  model: string;
  concurrency?: number;
  onCase?: (result: CaseResult) => void;
}

/** Collects the answer the turn would have streamed to Slack. */
class CapturingSink implements ReplySink {
  text = '';
  notice?: string;
  /** When the first text arrived, on the runner's clock. */
  firstAt?: number;
  constructor(private readonly now: () => number) {}
  append(delta: string): void {
    this.firstAt ??= this.now();
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
  return c.history.map(
    (h, i): ThreadItem =>
      h.role === 'user'
        ? {
            type: 'user',
            ts: `1.${String(i).padStart(6, '0')}`,
            userId: EVAL_USER.id,
            userName: EVAL_USER.name,
            text: h.text,
          }
        : { type: 'assistant', text: h.text },
  );
}

/**
 * One case through the production turn (runTurn and its tool loop) with an in-memory thread, a capturing sink,
 * the case's files prepared like Slack uploads and its tools stubbed. Nothing is stored at OpenAI.
 */
async function runCase(suite: EvalSuite, c: EvalCase, deps: EvalDeps, opts: EvalOptions): Promise<CaseResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const { file } = deps;
  const log = deps.log ?? pino({ level: 'silent' });
  const key: ThreadKey = { teamId: 'TEVAL', channel: suite.channel ?? 'CEVAL', threadTs: '1.000000' };
  const base = channelSettings(file, opts.model, key.channel, false);
  const settings = { ...base, model: opts.model, instructions: suite.instructions ?? base.instructions };
  const threads = new MemoryThreadStore(storeKeys('eval:'), 3600, file.files.max_kept_per_thread);
  await threads.append(key, historyItems(c));
  const ctx = { teamId: key.teamId, channel: key.channel, threadTs: key.threadTs, isDm: false, user: EVAL_USER };
  const tools = new StubToolRunner(
    mergeStubs(suite.tools, c.tools),
    ctx,
    { timeoutMs: file.tools.timeout_ms, maxOutputChars: file.tools.max_output_chars },
    log,
  );
  const sink = new CapturingSink(now);
  const firstToken = () => (sink.firstAt !== undefined ? { firstTokenMs: sink.firstAt - started } : {});
  const failed = (error: string): CaseResult => ({
    suite: suite.name,
    id: c.id,
    passed: false,
    answer: sink.text,
    notice: sink.notice,
    toolCalls: tools.calls,
    checks: [],
    error,
    latencyMs: now() - started,
    ...firstToken(),
  });
  try {
    const messageTs = '2.000000';
    const files = await readLocalFiles(c.images, messageTs, settings.imageDetail, file.files, log);
    // In Slack a file that cannot be read is skipped with a notice; in an eval it means the case is not what it says.
    if (files.skipped.length)
      return failed(`cannot send ${files.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
    const defaults = createTurnDeps(file, deps.model, threads, deps.translators, log);
    const turn = await runTurn(
      {
        turnId: `eval-${suite.name}-${c.id}`,
        key,
        settings,
        user: EVAL_USER,
        text: c.input,
        messageTs,
        attachments: files.attachments,
        sink,
        tools,
      },
      {
        ...defaults,
        requestOptions: { ...defaults.requestOptions, store: false, chainPreviousResponse: false },
        priceOf: priceOfTable(priceTable(file.pricing)),
      },
    );
    if (turn.error) return { ...failed(`${turn.error.kind}: ${turn.error.message}`), model: turn.call?.model };
    const used = turn.usage;
    const checks = await runChecks(c.expect, { question: c.input, answer: sink.text, calls: tools.calls }, deps.grader);
    return {
      suite: suite.name,
      id: c.id,
      passed: checks.every((r) => r.pass),
      answer: sink.text,
      notice: sink.notice,
      toolCalls: tools.calls,
      checks,
      model: turn.call?.model,
      usage: {
        inputTokens: used.inputTokens,
        cachedTokens: used.cachedTokens,
        outputTokens: used.outputTokens,
        calls: used.calls,
        costUsd: used.usdMicros / 1_000_000,
      },
      latencyMs: now() - started,
      ...firstToken(),
    };
  } catch (err) {
    return failed((err as Error).message);
  }
}

/** One gate case: the production gate on the case's question and sources; right when it lands on the right side. */
async function runGateCase(suite: GateSuite, c: GateCase, deps: EvalDeps, opts: EvalOptions): Promise<CaseResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const base = { suite: suite.name, id: c.id, toolCalls: [], answer: '' };
  if (!deps.gate) return { ...base, passed: false, checks: [], error: 'no gate to run', latencyMs: 0 };
  const outcome = await deps.gate({
    model: opts.model,
    question: c.question,
    candidates: c.sources,
    safetyIdentifier: 'eval',
  });
  const threshold = suite.min_confidence;
  const { confidence } = outcome;
  const said = confidence !== undefined && confidence >= threshold;
  const pass = confidence !== undefined && said === c.answerable;
  const shown = confidence === undefined ? 'no confidence' : `confidence ${confidence.toFixed(3)}`;
  return {
    ...base,
    answer: shown,
    passed: pass,
    checks: [
      {
        check: 'gate',
        pass,
        detail: `${shown} ${said ? '≥' : '<'} ${threshold}: ${said ? 'answer' : 'leave to people'}, expected ${c.answerable ? 'answer' : 'leave to people'}${outcome.problem ? ` (${outcome.problem})` : ''}`,
      },
    ],
    ...(outcome.model ? { model: outcome.model } : {}),
    ...(outcome.usage ? { usage: { ...outcome.usage, calls: 1, costUsd: 0 } } : {}),
    ...(outcome.problem && confidence === undefined ? { error: outcome.problem } : {}),
    gate: { ...(confidence !== undefined ? { confidence } : {}), threshold },
    latencyMs: now() - started,
  };
}

/** All cases of all suites, a few at a time; results come back in suite and case order. */
export async function runSuites(suites: readonly AnySuite[], deps: EvalDeps, opts: EvalOptions): Promise<CaseResult[]> {
  const jobs = suites.flatMap((s) =>
    isGateSuite(s)
      ? s.cases.map((c) => ({ run: () => runGateCase(s, c, deps, opts) }))
      : s.cases.map((c) => ({ run: () => runCase(s, c, deps, opts) })),
  );
  const results: CaseResult[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!.run();
      opts.onCase?.(results[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, jobs.length)) }, worker));
  return results;
}
