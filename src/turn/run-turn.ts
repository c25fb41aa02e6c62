import type { Logger } from 'pino';
import type { ChannelSettings } from '../config/settings.js';
import { type Phrase, say } from '../i18n/phrase.js';
import type { Translator, Translators } from '../i18n/translators.js';
import { hashId } from '../lib/hash.js';
import { leftOutFiles } from './attachment-budget.js';
import { buildRequest, languageHint, type RequestOptions } from './build-request.js';
import { callModel } from './call-model.js';
import type { ContextFitter } from './fit-request.js';
import { itemImageTokens } from './image-tokens.js';
import { TurnMeter } from './meter.js';
import {
  noticeForError,
  noticeForFiles,
  noticeForIncomplete,
  noticeForLeftOut,
  noticeForRoundLimit,
  noticeForShortenedQuestion,
  noticeForSources,
} from './notices.js';
import type { AdminAlerts, HostedApprovalRequest, PriceOf, QuotaPort, QuotaRefusal, UsageTotals } from './ports.js';
import {
  type Citation,
  type FunctionOutput,
  type ModelCall,
  ModelError,
  type ModelPort,
  type ModelRequest,
  type ReplySink,
  type ShownTicket,
  type Source,
  type StepSource,
  type ToolRunner,
} from './ports.js';
import { QuotaRefused, quotaGated } from './quota-gate.js';
import type { Attachment, SkippedFile, ThreadItem, ThreadKey, ThreadStore } from './thread.js';

export interface TurnDeps {
  model: ModelPort;
  threads: ThreadStore;
  log: Logger;
  requestOptions: RequestOptions;
  stallSeconds: number;
  /** Fits every call to context.max_input_tokens; absent: requests go out as built. */
  context?: ContextFitter;
  /** Quotas and usage counters; absent: no limits, nothing counted. */
  quota?: QuotaPort;
  /** Tells the admins about problems only they can fix; absent: nobody is told, and no notice says so. */
  alerts?: AdminAlerts;
  /** Turns usage into dollars for the log line and the counters. */
  priceOf?: PriceOf;
  /**
   * Where the per-call usage line goes. It names people only by hashes, so it must not inherit the raw Slack ids
   * that the turn's own log lines carry for correlation; defaults to `log`.
   */
  usageLog?: Logger;
  /** Rounds of tool calls one turn may run before it stops with a notice. */
  maxToolRounds: number;
  /** The bot's own words (notices, statuses) in the asker's language. */
  translators: Translators;
}

export interface TurnInput {
  turnId: string;
  key: ThreadKey;
  settings: ChannelSettings;
  /**
   * `name` is what the model reads now; `laterName`, when given, is read as the message is stored: a name that was
   * still being looked up when the call started is kept with the message for the next turns.
   */
  user: {
    id: string;
    name: string;
    laterName?: () => string | undefined;
    /**
     * The asker's Slack locale when known at the start: the model is told to answer in it. `laterLocale`, read when
     * the notices are written, may know it by then (a lookup still running when the call started).
     */
    locale?: string;
    laterLocale?: () => string | undefined;
  };
  /** The user's message with Slack markup already resolved. */
  text: string;
  /**
   * Read by the model in this turn only (earlier Slack messages found for the question): sent before the question,
   * never stored with the thread, and this turn's answer is not chained on by the next one.
   */
  ephemeralContext?: string;
  messageTs: string;
  /** The thread as the caller already loaded it (saves a second read); loaded here when absent. */
  history?: ThreadItem[];
  /** Files of the message, already downloaded and prepared by the caller. */
  attachments?: Attachment[];
  /** Files of the message that could not be used; the answer says so. */
  skipped?: SkippedFile[];
  sink: ReplySink;
  /** The tools this user may call here; a turn without them is a plain answer. */
  tools?: ToolRunner;
  /** Sources found before the turn (the help desk's), listed under the answer with those its tools find. */
  sources?: Source[];
  /** Said at the end of the answer, in the asker's language: tools that could not be offered (a server down, a sign-in needed). */
  notices?: Phrase[];
  /**
   * Continues the thread after the asker decided on a hosted MCP call: the decision (an mcp_approval_response)
   * takes the place of a new message, and the model's server runs (or drops) the call and answers.
   */
  resume?: { approvalRequestId: string; approve: boolean };
  /**
   * Aborted when the person presses Stop: the model stream and running tools are cancelled, the reply closes
   * with what was shown and a short note, and the turn is stored as stopped.
   */
  signal?: AbortSignal;
}

export interface TurnResult {
  /**
   * `refused`: a quota was reached before the answer was complete (maybe before any call); the user was told.
   * `undelivered`: the reply could not be shown (Slack kept refusing it), so the answer is not stored as given.
   * `stopped`: the person pressed Stop; the part shown until then is stored, marked as stopped.
   */
  outcome: 'answered' | 'failed' | 'refused' | 'undelivered' | 'stopped';
  /** What the turn's model calls used and cost (those that reported usage). */
  usage: UsageTotals;
  call?: ModelCall;
  error?: ModelError;
  messageTs: string[];
  toolRounds: number;
  /** What the answer drew on (listed under it). */
  sources: Source[];
}

/** Failures after which the same request can simply be sent again (the model adapter retries them before any text). */
const RESTARTABLE = new Set<ModelError['kind']>(['stalled', 'connection', 'server', 'timeout']);

/** Text of one turn as the user reads it: rounds separated by a blank line. */
class ShownText {
  all = '';
  round = '';
  constructor(private readonly sink: ReplySink) {}

  add(delta: string): void {
    if (!this.round && this.all) this.push('\n\n');
    this.round += delta;
    this.push(delta);
  }

  /** The answer is being started over (the sink shows a restart note): nothing of it counts as shown any more. */
  restart(): void {
    this.all = '';
    this.round = '';
  }

  nextRound(): string {
    const text = this.round;
    this.round = '';
    return text;
  }

  private push(s: string): void {
    this.all += s;
    this.sink.append(s);
  }
}

/**
 * One turn: load the thread, call the model with the new message, run the tools it asks for (round after round,
 * up to the cap), stream the answer, store everything. The user's message and every completed tool round are
 * stored even when the model fails, so the next turn still has them and every call keeps its output.
 */
export async function runTurn(input: TurnInput, deps: TurnDeps): Promise<TurnResult> {
  const { key, settings, user, sink, tools, signal } = input;
  const startT = deps.translators.forLocale(user.locale);
  /** The asker's language as best known now: a locale learnt during the turn applies to what is written after. */
  const tNow = () => deps.translators.forLocale(user.laterLocale?.() ?? user.locale);
  const thread = hashId('thread', key.teamId, key.channel, key.threadTs);
  const log = deps.log.child({ thread });
  const userItem: ThreadItem = {
    type: 'user',
    ts: input.messageTs,
    userId: user.id,
    userName: user.name,
    text: input.text,
  };
  if (input.attachments?.length) userItem.attachments = input.attachments;
  if (input.skipped?.length) userItem.skipped = input.skipped;
  const history = input.history ?? (await deps.threads.load(key));
  const items: ThreadItem[] = [
    input.resume
      ? {
          type: 'hosted',
          item: {
            type: 'mcp_approval_response',
            approval_request_id: input.resume.approvalRequestId,
            approve: input.resume.approve,
            ...(input.resume.approve ? {} : { reason: 'The user cancelled this call on the approval card.' }),
          },
        }
      : userItem,
  ];
  const shown = new ShownText(sink);
  // What the model reads of the question: with this turn's ephemeral context in front; the stored item stays bare.
  const askedText = input.ephemeralContext ? `${input.ephemeralContext}\n\n${userItem.text}` : userItem.text;
  const sentItems = (): ThreadItem[] =>
    askedText === userItem.text ? items : items.map((i) => (i === userItem ? { ...userItem, text: askedText } : i));
  const build = (chain: boolean): ModelRequest =>
    buildRequest(
      settings,
      key,
      user.id,
      history,
      sentItems(),
      { ...deps.requestOptions, chainPreviousResponse: chain },
      input.turnId,
      tools?.definitions,
      languageHint(user.locale),
    );
  const built = build(deps.requestOptions.chainPreviousResponse);

  // Every call of the turn is admitted on its own (tool rounds, summaries, retries), so a long turn stops at the limit.
  const account = deps.quota?.account({
    teamId: key.teamId,
    channel: key.channel,
    userId: user.id,
    turnId: input.turnId,
  });
  const model = account
    ? quotaGated(deps.model, account, {
        inputTokens: (request) => deps.context?.estimate(request, [...history, ...sentItems()]) ?? 0,
        // Shown while a call waits for the person's (or workspace's) other calls to settle what is left of a limit.
        onWait: () => sink.status(startT.t('status.quota_wait'), 'queue', startT.t('loading.quota_wait')),
      })
    : deps.model;

  const meter = new TurnMeter(deps.priceOf);
  const who = {
    team: hashId('team', key.teamId),
    channel: hashId('channel', key.teamId, key.channel),
    user: built.safetyIdentifier,
  };
  const usageLog = deps.usageLog?.child({ thread }) ?? log;
  let request = built;
  let call: ModelCall | undefined;
  let error: ModelError | undefined;
  let refusal: QuotaRefusal | undefined;
  let roundNotice: string | undefined;
  let approvalNotice: string | undefined;
  let rounds = 0;
  let restarted = false;
  // Every round's citations: a file cited while tools ran still backs the final answer.
  const citations: Citation[] = [];
  const sources: Source[] = [...(input.sources ?? [])];
  /** Tickets the tools showed, by id (the latest look wins), in the order first shown. */
  const tickets = new Map<string, ShownTicket>();
  /** Characters of the question the model got, when fitting the budget had to shorten it. */
  let questionRead: number | undefined;
  try {
    for (;;) {
      try {
        ({ call, request } = await callModel(request, {
          model,
          sink,
          translator: startT,
          log,
          fitter: deps.context,
          fullItems: [...history, ...sentItems()],
          unchained: () => build(false),
          observe: (req, c, err, ms) => logModelCall(usageLog, who, meter, req, c, err, ms),
          onText: (d) => shown.add(d),
          // Earlier rounds' text is already answered; a call that has shown nothing of its own may be retried.
          shown: () => shown.round.length > 0,
          signal,
        }));
        const sent = request.items.find((i) => i.type === 'user' && i.ts === userItem.ts);
        if (sent?.type === 'user' && sent.text !== askedText)
          questionRead = Math.min(questionRead ?? Infinity, sent.text.length);
      } catch (err) {
        // The stream broke mid-answer (stall, reset, server error): shown text cannot be taken back, so the
        // answer starts over once, in the same message, under a short note.
        if (signal?.aborted) throw err;
        if (!(err instanceof ModelError) || !shown.round || restarted || !RESTARTABLE.has(err.kind)) throw err;
        restarted = true;
        log.warn(
          { kind: err.kind, request_id: err.details.requestId, shown_chars: shown.round.length },
          'model stream broke mid-answer; restarting the answer',
        );
        shown.restart();
        await sink.restart(tNow().t('notice.restarted'));
        continue;
      }
      citations.push(...(call.citations ?? []));
      items.push(...(call.hostedItems ?? []).map((item): ThreadItem => ({ type: 'hosted', item })));
      if (call.approvalRequests?.length) approvalNotice = await askApprovals(tNow(), tools, call.approvalRequests, log);
      const calls = tools ? call.functionCalls : [];
      if (!calls.length) break;

      const roundText = shown.nextRound();
      if (roundText) items.push({ type: 'assistant', text: roundText });
      let outputs: FunctionOutput[];
      if (rounds >= deps.maxToolRounds) {
        outputs = tools!.decline(calls, `the turn reached its limit of ${deps.maxToolRounds} tool rounds`);
        roundNotice = noticeForRoundLimit(tNow(), deps.maxToolRounds);
      } else {
        rounds++;
        const t = tNow();
        const line = tools!.progress(calls, t);
        const titles = new Map(calls.map((c) => [c.callId, tools!.title(c, t)]));
        if (sink.steps)
          sink.steps(
            calls.map((c) => ({ id: c.callId, title: titles.get(c.callId)!, status: 'in_progress' as const })),
            line,
          );
        else sink.status(line.text, 'tools', line.loading);
        outputs = await tools!.run(calls, signal);
        sources.push(...outputs.flatMap((o) => o.sources ?? []));
        for (const t of outputs.flatMap((o) => o.tickets ?? [])) tickets.set(t.id, t);
        sink.steps?.(
          outputs.map((o) => ({
            id: o.callId,
            title: titles.get(o.callId) ?? '',
            status: o.failed ? ('error' as const) : ('complete' as const),
            ...(o.sources?.some((s) => s.url) ? { sources: stepSources(o.sources) } : {}),
          })),
        );
      }
      items.push(
        ...calls.map(
          (c): ThreadItem => ({ type: 'function_call', callId: c.callId, name: c.name, arguments: c.arguments }),
        ),
      );
      items.push(
        ...outputs.map((o): ThreadItem => ({ type: 'function_call_output', callId: o.callId, output: o.output })),
      );
      if (roundNotice || signal?.aborted) break;
      // A stored response already holds everything before its tool calls: send only their outputs.
      const chained = request.store && deps.requestOptions.chainPreviousResponse;
      request = chained
        ? { ...request, previousResponseId: call.responseId, items: items.slice(-outputs.length) }
        : build(false);
      call = undefined;
    }
  } catch (err) {
    if (err instanceof QuotaRefused) refusal = err.refusal;
    // However a Stop surfaced (an aborted stream, a broken connection), it was the person's choice, not a failure.
    else if (!signal?.aborted)
      error = err instanceof ModelError ? err : new ModelError('connection', (err as Error)?.message ?? String(err));
  }
  const t = tNow();
  // The notice may only say an admin was alerted when one really was.
  const adminAlerted =
    error?.kind === 'quota' &&
    ((await deps.alerts?.raise({
      problem: 'openai_insufficient_quota',
      teamId: key.teamId,
      requestId: error.details.requestId,
    })) ??
      false);
  const modelNotice =
    refusal?.notice(t) ??
    roundNotice ??
    (error
      ? noticeForError(t, error, { stallSeconds: deps.stallSeconds, adminAlerted })
      : call && noticeForIncomplete(t, call, settings.maxOutputTokens));
  const stopped = signal?.aborted === true;
  const notice = stopped
    ? t.t('notice.stopped')
    : [
        noticeForSources(t, citations, usedSources(sources, shown.all)),
        noticeForFiles(t, input.attachments ?? [], input.skipped ?? []),
        noticeForLeftOut(t, leftOutFiles(built.items)),
        questionRead !== undefined && noticeForShortenedQuestion(t, userItem.text.length, questionRead),
        ...(input.notices ?? []).map((p) => say(t, p)),
        approvalNotice,
        modelNotice,
      ]
        .filter(Boolean)
        .join('\n\n') || undefined;
  const ended = stopped ? 'stopped' : error ? 'failed' : refusal ? 'refused' : 'answered';
  const { messageTs, undelivered } = await sink.finish({
    outcome: ended === 'answered' ? 'answered' : 'failed',
    notice,
    ...(ended === 'answered' && tickets.size ? { tickets: [...tickets.values()] } : {}),
  });
  const outcome = undelivered ? 'undelivered' : ended;
  // After the answer, so telling the admins never delays it; the ledger makes it once per model.
  if (call?.fallbackFrom)
    await deps.alerts?.raise({
      problem: 'model_fallback',
      teamId: key.teamId,
      model: call.fallbackFrom,
      fallback: call.model,
    });
  const finalText = shown.nextRound();
  // An answer the user never saw is not part of the conversation: the next turn must not build on it.
  if (finalText && !undelivered) {
    // A response that read ephemeral context holds it at OpenAI: the next turn resends the stored thread instead.
    const responseId = request.store && !error && !input.ephemeralContext ? call?.responseId : undefined;
    items.push({
      type: 'assistant',
      ts: messageTs[0],
      text: finalText,
      responseId,
      model: call?.model,
      ...(stopped ? { stopped: true as const } : {}),
    });
  }
  const laterName = user.laterName?.();
  if (laterName) userItem.userName = laterName;
  await deps.threads.append(key, items);
  return { outcome, call, error, messageTs, toolRounds: rounds, usage: meter.totals, sources };
}

/** Hosted MCP calls held for approval: a card each for the asker; the answer says what happens next. */
async function askApprovals(
  t: Translator,
  tools: ToolRunner | undefined,
  requests: readonly HostedApprovalRequest[],
  log: Logger,
): Promise<string> {
  const named = requests.map((r) =>
    t.t('notice.hosted_approval.tool_on_server', { tool: r.name, server: r.serverLabel }),
  );
  const values = { tools: t.list([...new Set(named)]) };
  if (!tools?.requestHostedApprovals) return t.t('notice.hosted_approval.unavailable', values);
  try {
    await tools.requestHostedApprovals(requests);
    return t.t('notice.hosted_approval.waiting', values);
  } catch (err) {
    log.warn({ err: { message: (err as Error).message } }, 'could not post the approval card for a hosted call');
    return t.t('notice.hosted_approval.card_failed', values);
  }
}

interface Who {
  team: string;
  channel: string;
  user: string;
}

/** One structured line per model call: who (hashed), which model answered, tokens, dollars, latency, outcome. */
function logModelCall(
  log: Logger,
  who: Who,
  meter: TurnMeter,
  request: ModelRequest,
  call: ModelCall | undefined,
  error: ModelError | undefined,
  latencyMs: number,
): void {
  const cost = call?.usage ? meter.add(call.model, call.usage) : undefined;
  const fields = {
    event: 'model_call',
    ...who,
    requested_model: request.model,
    model: call?.model,
    fallback_from: call?.fallbackFrom,
    request_id: call?.requestId ?? error?.details.requestId,
    response_id: call?.responseId,
    status: error ? 'failed' : call?.status,
    incomplete_reason: call?.incompleteReason,
    function_calls: call?.functionCalls.length || undefined,
    input_tokens: call?.usage?.inputTokens,
    cached_tokens: call?.usage?.cachedTokens,
    cache_write_tokens: call?.usage?.cacheWriteTokens,
    output_tokens: call?.usage?.outputTokens,
    reasoning_tokens: call?.usage?.reasoningTokens,
    image_tokens_estimate: request.items.reduce((sum, item) => sum + itemImageTokens(item), 0) || undefined,
    cost_usd: cost?.usd,
    ...(cost && !cost.known ? { priced_as: cost.pricedAs } : {}),
    latency_ms: latencyMs,
  };
  if (cost && !cost.known)
    log.warn(
      { model: call?.model, priced_as: cost.pricedAs },
      'no price for this model in pricing.models; counted at the fallback price',
    );
  if (!error) {
    log.info(fields, 'model call finished');
    return;
  }
  if (error.kind === 'quota') {
    // Not retried: every further call would fail the same way until someone adds credit.
    log.error(
      {
        ...fields,
        error_kind: error.kind,
        error_code: error.details.code,
        http_status: error.details.status,
        alert: 'openai_insufficient_quota',
        hint: 'add credit or raise the usage limit in the OpenAI dashboard',
        err: error,
      },
      'model call failed',
    );
    return;
  }
  const level = error.kind === 'auth' ? 'error' : 'warn';
  log[level](
    {
      ...fields,
      error_kind: error.kind,
      error_code: error.details.code,
      http_status: error.details.status,
      err: error,
    },
    'model call failed',
  );
}

/** The sources the answer names by their cue, when it names any; else every source the turn drew on. */
function usedSources(sources: readonly Source[], answer: string): Source[] {
  const text = answer.toLowerCase();
  const named = sources.filter((s) => s.cue && text.includes(s.cue.toLowerCase()));
  return named.length ? [...named, ...sources.filter((s) => !s.cue)] : [...sources];
}

/** Links shown with a tool's step: a search may find ten tickets, and a step carries a handful of web links. */
const MAX_STEP_SOURCES = 5;

/** A call's sources as its thinking step shows them: the ones with a web link, titled briefly. */
function stepSources(sources: readonly Source[]): StepSource[] {
  return sources
    .filter((s): s is Source & { url: string } => Boolean(s.url && /^https?:\/\//.test(s.url)))
    .slice(0, MAX_STEP_SOURCES)
    .map((s) => ({ url: s.url, text: s.title.length > 80 ? `${s.title.slice(0, 79)}…` : s.title }));
}
