import type { Feedback } from '../../../platform/store/feedback.js';
import type { ThreadItem, ThreadKey } from '../../../turn/thread.js';
import { type PiiKind, type RedactOptions, redactPii } from '../../privacy/pii/redact.js';

type Verdict = 'positive' | 'negative';

export interface RatedThread {
  key: ThreadKey;
  /** Verdict per rated answer (message ts): the majority of the latest votes; ties are left out. */
  verdicts: Map<string, Verdict>;
}

/** Groups votes by thread and settles each answer's verdict. */
export function ratedThreads(feedback: readonly Feedback[]): RatedThread[] {
  const threads = new Map<string, { key: ThreadKey; tally: Map<string, number> }>();
  for (const f of feedback) {
    const id = `${f.teamId}:${f.channel}:${f.threadTs}`;
    let t = threads.get(id);
    if (!t) {
      t = { key: { teamId: f.teamId, channel: f.channel, threadTs: f.threadTs }, tally: new Map() };
      threads.set(id, t);
    }
    t.tally.set(f.messageTs, (t.tally.get(f.messageTs) ?? 0) + (f.value === 'positive' ? 1 : -1));
  }
  return [...threads.values()].map(({ key, tally }) => ({
    key,
    verdicts: new Map(
      [...tally].filter(([, n]) => n !== 0).map(([ts, n]) => [ts, n > 0 ? 'positive' : 'negative'] as const),
    ),
  }));
}

/** Counts of what redaction removed, summed over everything exported. */
export class RedactionTally {
  readonly counts: Record<PiiKind, number> = { token: 0, email: 0, iban: 0, card: 0, phone: 0 };
  constructor(private readonly options: RedactOptions) {}
  text(s: string): string {
    const r = redactPii(s, this.options);
    for (const k of Object.keys(r.counts) as PiiKind[]) this.counts[k] += r.counts[k];
    return r.text;
  }
}

/** Chat fine-tuning format (one JSONL line): system, user, assistant (with tool_calls), tool messages. */
type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; weight?: 0 | 1 }
  | {
      role: 'assistant';
      content: null;
      tool_calls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
      weight?: 0 | 1;
    }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export interface FinetuneExample {
  messages: ChatMessage[];
  tools?: ChatTool[];
}

/**
 * A thread up to its last well-rated answer, as the model saw it in production (user lines read "Name: text").
 * Only answers people rated positive carry weight 1; other assistant turns (and tool-call turns) are context
 * with weight 0, so the model learns from the good answers alone. Undefined when no rated answer is in the store.
 */
export function finetuneExample(
  items: readonly ThreadItem[],
  thread: RatedThread,
  system: string,
  redact: RedactionTally,
  tools?: readonly ChatTool[],
): FinetuneExample | undefined {
  const lastGood = items.findLastIndex(
    (i) => i.type === 'assistant' && i.ts !== undefined && thread.verdicts.get(i.ts) === 'positive',
  );
  if (lastGood < 0) return undefined;
  const messages: ChatMessage[] = [{ role: 'system', content: system }];
  for (const item of items.slice(0, lastGood + 1)) {
    switch (item.type) {
      case 'user':
        messages.push({ role: 'user', content: redact.text(`${item.userName}: ${item.text}`) });
        break;
      case 'assistant':
        messages.push({
          role: 'assistant',
          content: redact.text(item.text),
          weight: item.ts !== undefined && thread.verdicts.get(item.ts) === 'positive' ? 1 : 0,
        });
        break;
      case 'function_call': {
        const call = {
          id: item.callId,
          type: 'function' as const,
          function: { name: item.name, arguments: redact.text(item.arguments) },
        };
        const prev = messages.at(-1);
        // Parallel calls of one model turn become one assistant message with several tool_calls.
        if (prev?.role === 'assistant' && 'tool_calls' in prev) prev.tool_calls.push(call);
        else messages.push({ role: 'assistant', content: null, tool_calls: [call], weight: 0 });
        break;
      }
      case 'function_call_output':
        messages.push({ role: 'tool', tool_call_id: item.callId, content: redact.text(item.output) });
        break;
    }
  }
  const used = new Set(messages.flatMap((m) => ('tool_calls' in m ? m.tool_calls.map((c) => c.function.name) : [])));
  const offered = (tools ?? []).filter((t) => used.has(t.function.name));
  return offered.length ? { messages, tools: offered } : { messages };
}

/** A badly rated answer, turned into an eval case: the question it answered and the conversation before it. */
export interface EvalCaseDraft {
  id: string;
  input: string;
  history: Array<{ role: 'user' | 'assistant'; text: string }>;
  rejected: string;
}

export function evalCaseDrafts(
  items: readonly ThreadItem[],
  thread: RatedThread,
  redact: RedactionTally,
): EvalCaseDraft[] {
  const drafts: EvalCaseDraft[] = [];
  items.forEach((item, i) => {
    if (item.type !== 'assistant' || item.ts === undefined || thread.verdicts.get(item.ts) !== 'negative') return;
    const before = items.slice(0, i);
    const q = before.findLastIndex((b) => b.type === 'user');
    const question = before[q];
    if (question?.type !== 'user') return;
    const history = before
      .slice(0, q)
      .flatMap((h): EvalCaseDraft['history'] =>
        h.type === 'user' || h.type === 'assistant' ? [{ role: h.type, text: redact.text(h.text) }] : [],
      );
    const id = `fb-${thread.key.channel}-${item.ts}`.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
    drafts.push({ id, input: redact.text(question.text), history, rejected: redact.text(item.text) });
  });
  return drafts;
}
