import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { fileConfigSchema } from '../../../../src/config/file-schema.js';
import { fixedSettings } from '../../../../src/config/live-settings.js';
import { createTurnProcessor } from '../../../../src/features/answering/process-turn.js';
import { ConversationTools } from '../../../../src/features/tools/sessions.js';
import { createMetrics } from '../../../../src/platform/observability/metrics.js';
import type { TurnJob } from '../../../../src/platform/queue/types.js';
import { SlackLookups } from '../../../../src/platform/slack/lookups.js';
import { SlackRateGate } from '../../../../src/platform/slack/rate-gate.js';
import { UserLanguages } from '../../../../src/platform/slack/user-languages.js';
import type { Workspace } from '../../../../src/platform/slack/workspaces.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { type MemoryThreadStore, MemoryTurnLedger } from '../../../../src/platform/store/memory/memory-stores.js';
import { MemoryTurnStops } from '../../../../src/platform/store/turn-stops.js';
import { MemoryUserStateStore } from '../../../../src/platform/store/user-state.js';
import { ToolRegistry } from '../../../../src/platform/tools/runner.js';
import { defineTool, type ToolContext } from '../../../../src/platform/tools/types.js';
import { answer, callsTools, ScriptedModel } from '../../../support/fake-model-port.js';
import { fakeThreadStore } from '../../../support/fake-thread-store.js';
import { call } from '../../../support/fake-tool-runner.js';
import { InProcessSlack } from '../../../support/in-process-slack.js';
import { en, translators } from '../../../support/translators.js';

const log = pino({ level: 'silent' });
const CHANNEL = 'C0SUP1';
const THREAD = '1700000000.000100';
const job = (extra: Partial<TurnJob> = {}): TurnJob => ({
  id: 'Ev0001',
  key: { teamId: 'T1', channel: CHANNEL, threadTs: THREAD },
  isDm: false,
  userId: 'U1',
  messageTs: '1700000000.000200',
  text: '<@UBOT> is SUP-101 fixed?',
  receivedAt: Date.now(),
  ...extra,
});

let slack: InProcessSlack;
let threads: MemoryThreadStore;
let ledger: MemoryTurnLedger;
let stops: MemoryTurnStops;

beforeEach(() => {
  stops = new MemoryTurnStops();
  vi.useFakeTimers();
  slack = new InProcessSlack({
    users: { U1: { name: 'ada', real_name: 'Ada Lovelace', display_name: 'Ada', email: 'ada@example.com' } },
  });
  threads = fakeThreadStore();
  ledger = new MemoryTurnLedger();
});
afterEach(() => {
  vi.useRealTimers();
});

function processor(model: ScriptedModel, o: { tools?: ToolRegistry; yaml?: Record<string, unknown> } = {}) {
  const workspace: Workspace = {
    client: slack.client,
    readFiles: async () => {
      throw new Error('this test sends no files');
    },
    lookups: new SlackLookups(slack.client, log),
    botUserId: 'UBOT',
    gate: new SlackRateGate(),
  };
  const file = fileConfigSchema.parse(o.yaml ?? {});
  const workspaces = { forTeam: async () => workspace };
  return createTurnProcessor({
    settings: fixedSettings(file),
    envModel: 'gpt-4o',
    workspaces,
    languages: new UserLanguages(workspaces, translators, log),
    turns: ledger,
    userState: new MemoryUserStateStore(storeKeys('unit:')),
    threadTtlSeconds: 86_400,
    turn: {
      model,
      threads,
      log,
      requestOptions: { store: false, chainPreviousResponse: false },
      stallSeconds: 30,
      maxToolRounds: 3,
      translators,
    },
    ...(o.tools ? { tools: new ConversationTools(o.tools, fixedSettings(file), 'gpt-4o') } : {}),
    log,
    metrics: createMetrics(new Registry(), { queueDepth: async () => 0 }, { processMetrics: false }),
    stops,
  });
}

/** Lets the turn's timers (first flush, pacing, status coalescing) run until it is done. */
async function settle(work: Promise<void>): Promise<void> {
  let done = false;
  const finished = work.finally(() => {
    done = true;
  });
  for (let i = 0; i < 600 && !done; i++) await vi.advanceTimersByTimeAsync(100);
  await finished;
}

const botMessages = () => slack.botMessages(CHANNEL, THREAD);

describe('the turn processor', () => {
  it('answers a queued message in its thread, naming the asker as Slack does and storing the turn', async () => {
    const model = new ScriptedModel(answer('Yes, SUP-101 was fixed yesterday.'));

    await settle(processor(model)(job()));

    expect(model.requests[0]!.items).toEqual([
      expect.objectContaining({ type: 'user', userName: 'Ada', text: 'is SUP-101 fixed?' }),
    ]);
    expect(botMessages().map((m) => m.text)).toEqual(['Yes, SUP-101 was fixed yesterday.']);
    const [reply] = botMessages();
    expect(await ledger.replies('Ev0001')).toEqual([reply!.ts]);
    expect((await threads.load(job().key)).map((i) => i.type)).toEqual(['user', 'assistant']);
  });

  it('asks the model while Slack still looks up a new asker, and keeps their name with the question', async () => {
    const release = slack.holdCalls('users.info');
    const model = new ScriptedModel([{ text: 'Yes, ' }, { waitMs: 1_000 }, ...answer('it was fixed.')]);

    const work = processor(model)(job());
    for (let i = 0; i < 50 && !model.requests.length; i++) await vi.advanceTimersByTimeAsync(10);
    expect(model.requests[0]!.items).toEqual([expect.objectContaining({ type: 'user', userName: 'U1' })]);
    release();
    await settle(work);

    expect((await threads.load(job().key))[0]).toMatchObject({ type: 'user', userId: 'U1', userName: 'Ada' });
  });

  it('does nothing for a job whose turn an earlier attempt already completed', async () => {
    await threads.append(job().key, [
      { type: 'user', ts: job().messageTs, userId: 'U1', userName: 'Ada', text: 'is SUP-101 fixed?' },
      { type: 'assistant', ts: '1700000000.000300', text: 'Yes.' },
    ]);
    const model = new ScriptedModel();

    await settle(processor(model)(job()));

    expect(model.requests).toHaveLength(0);
    expect(slack.calls.filter((c) => c.method.startsWith('chat.'))).toEqual([]);
  });

  it('takes over the reply a dead replica left half-written instead of adding a second answer', async () => {
    // The first attempt streamed part of an answer, rolled over into a second message, and its process died.
    const first = await slack.client.chat.startStream({
      channel: CHANNEL,
      thread_ts: THREAD,
      markdown_text: 'Yes, SUP-101 was fi',
      recipient_user_id: 'U1',
      recipient_team_id: 'T1',
    });
    const second = await slack.client.chat.postMessage({ channel: CHANNEL, thread_ts: THREAD, text: '…continued' });
    await ledger.recordReply('Ev0001', String(first.ts));
    await ledger.recordReply('Ev0001', String(second.ts));
    slack.calls.length = 0;
    const model = new ScriptedModel(answer('Yes, SUP-101 was fixed yesterday.'));

    await settle(processor(model)(job()));

    expect(botMessages().map((m) => [m.ts, m.text])).toEqual([
      [first.ts, `${en.t('notice.restarted')}\n\nYes, SUP-101 was fixed yesterday.`],
    ]);
    expect(slack.callsTo('chat.postMessage')).toEqual([]);
    expect(slack.callsTo('chat.startStream')).toEqual([]);
  });

  it("runs the channel's tools as the asker Slack names, whatever the model claims", async () => {
    const seen: ToolContext[] = [];
    const whoami = defineTool({
      name: 'lookup_ticket',
      description: 'test tool',
      parameters: z.strictObject({ ticket_id: z.string() }),
      progress: () => ({ step: 'search_knowledge' }),
      authorize: () => undefined,
      run: async (ctx) => void seen.push(ctx),
      format: () => ({ ok: true }),
    });
    const model = new ScriptedModel(
      callsTools(call('c1', 'lookup_ticket', { ticket_id: 'SUP-101', user: 'UADMIN' })),
      answer('Done.'),
    );

    await settle(processor(model, { tools: new ToolRegistry([whoami]) })(job()));

    expect(model.requests[0]!.tools?.map((t) => (t.type === 'function' ? t.name : t.type))).toEqual(['lookup_ticket']);
    // The model's extra "user" argument is refused by the schema, so the tool never ran on its word.
    expect(seen).toEqual([]);

    const again = new ScriptedModel(callsTools(call('c2', 'lookup_ticket', { ticket_id: 'SUP-101' })), answer('Ok.'));
    await settle(
      processor(again, { tools: new ToolRegistry([whoami]) })(job({ id: 'Ev0002', messageTs: '1700000000.000400' })),
    );
    expect(seen).toEqual([
      {
        teamId: 'T1',
        channel: CHANNEL,
        threadTs: THREAD,
        isDm: false,
        user: { id: 'U1', name: 'Ada', email: 'ada@example.com' },
      },
    ]);
  });

  it('stops a streaming answer on Stop: what was shown stays, "Stopped." closes it, the partial answer is stored', async () => {
    const model = new ScriptedModel([
      { text: 'SUP-101 was ' },
      { text: 'fixed' },
      { waitMs: 60_000 },
      { text: ' never' },
    ]);
    // Stop is pressed while the model is still writing (after the first words are visible).
    setTimeout(() => void stops.stop(job().key), 3_000);

    await settle(processor(model)(job()));

    expect(botMessages().map((m) => m.text)).toEqual([`SUP-101 was fixed\n\n${en.t('notice.stopped')}`]);
    expect(botMessages()[0]!.streaming_state).toBe('completed');
    // No feedback buttons under a stopped answer, and no more model calls.
    expect(botMessages()[0]!.blocks?.some((b) => (b as { type: string }).type === 'context_actions')).toBeFalsy();
    expect(model.requests).toHaveLength(1);
    expect(await threads.load(job().key)).toEqual([
      expect.objectContaining({ type: 'user', text: 'is SUP-101 fixed?' }),
      expect.objectContaining({ type: 'assistant', text: 'SUP-101 was fixed', stopped: true }),
    ]);
    // The session was processing while the turn ran, active once it stopped.
    expect(slack.ws.sessions.get(`${CHANNEL}:${THREAD}`)?.history).toEqual(['processing', 'active']);
  });

  it('cancels a running tool call on Stop and asks the model nothing more', async () => {
    let cancelled = false;
    const slow = defineTool({
      name: 'lookup_ticket',
      description: 'test tool',
      parameters: z.strictObject({ ticket_id: z.string() }),
      progress: () => ({ step: 'search_knowledge' }),
      authorize: () => undefined,
      run: (_ctx, _args, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => {
            cancelled = true;
            reject(signal.reason);
          });
          // Stop is pressed while the lookup runs.
          void stops.stop(job().key);
        }),
      format: () => ({}),
    });
    const model = new ScriptedModel(
      [{ text: 'Let me check.' }, { done: { functionCalls: [call('c1', 'lookup_ticket', { ticket_id: 'SUP-101' })] } }],
      answer('never asked'),
    );

    await settle(processor(model, { tools: new ToolRegistry([slow]) })(job()));

    expect(cancelled).toBe(true);
    expect(model.requests).toHaveLength(1);
    expect(botMessages().map((m) => m.text)).toEqual([`Let me check.\n\n${en.t('notice.stopped')}`]);
    const stored = await threads.load(job().key);
    expect(stored.map((i) => i.type)).toEqual(['user', 'assistant', 'function_call', 'function_call_output']);
    expect(stored[3]).toMatchObject({ output: expect.stringContaining('cancelled') });
  });

  describe('thinking steps', () => {
    const lookup = (fails = false) =>
      defineTool({
        name: 'lookup_ticket',
        description: 'test tool',
        parameters: z.strictObject({ ticket_id: z.string() }),
        progress: (args) => ({ step: 'lookup_ticket', values: { id: (args as { ticket_id: string }).ticket_id } }),
        authorize: () => undefined,
        run: async () => {
          if (fails) throw new Error('backend down');
          return { id: 'SUP-101' };
        },
        format: (r) => r,
        sources: () => [
          { title: 'SUP-101 Printer jammed', url: 'https://tickets.example.com/SUP-101', cue: 'SUP-101' },
        ],
      });
    const script = () =>
      new ScriptedModel(
        callsTools(call('c1', 'lookup_ticket', { ticket_id: 'SUP-101' })),
        answer('SUP-101 is being worked on.'),
      );
    // The answer, then the ticket it named as a linked source.
    const ANSWERED =
      'SUP-101 is being worked on.\n\n📚 _Sources: [SUP-101 Printer jammed](https://tickets.example.com/SUP-101)_';
    const tasks = (ts: string) =>
      (slack.ws.streams.get(`${CHANNEL}:${ts}`)?.chunks ?? []).filter(
        (c) => (c as { type: string }).type === 'task_update',
      );

    it('shows each tool call as a task in the stream, from in progress to complete, with its sources', async () => {
      await settle(
        processor(script(), {
          tools: new ToolRegistry([lookup()]),
          yaml: { slack: { task_display_mode: 'plan' } },
        })(job()),
      );

      const [reply] = botMessages();
      expect(reply!.text).toBe(ANSWERED);
      expect(tasks(reply!.ts)).toEqual([
        { type: 'task_update', id: 'c1', title: 'Looking up SUP-101', status: 'in_progress' },
        {
          type: 'task_update',
          id: 'c1',
          title: 'Looking up SUP-101',
          status: 'complete',
          sources: [{ type: 'url', url: 'https://tickets.example.com/SUP-101', text: 'SUP-101 Printer jammed' }],
        },
      ]);
      expect(slack.ws.streams.get(`${CHANNEL}:${reply!.ts}`)?.taskDisplayMode).toBe('plan');
      // The steps opened the stream before any words: the answer went on in the same message.
      expect(slack.callsTo('chat.startStream')).toHaveLength(1);
      expect(slack.callsTo('chat.postMessage')).toEqual([]);
    });

    it('marks a failed tool call as an error step', async () => {
      await settle(processor(script(), { tools: new ToolRegistry([lookup(true)]) })(job()));
      const statuses = tasks(botMessages()[0]!.ts).map((c) => (c as { status: string }).status);
      expect(statuses).toEqual(['in_progress', 'error']);
    });

    it('falls back to the status line when Slack refuses chunks, losing no text', async () => {
      slack.ws.refusesChunks = 'invalid_chunks';
      await settle(processor(script(), { tools: new ToolRegistry([lookup()]) })(job()));

      expect(botMessages().map((m) => m.text)).toEqual([ANSWERED]);
      expect(slack.callsTo('assistant.threads.setStatus').some((c) => c.args.status === 'is looking up SUP-101…')).toBe(
        true,
      );
    });

    it('shows the status line when the answer is posted and edited instead of streamed', async () => {
      await settle(
        processor(script(), { tools: new ToolRegistry([lookup()]), yaml: { slack: { native_streaming: false } } })(
          job(),
        ),
      );
      expect(botMessages().map((m) => m.text)).toEqual([ANSWERED]);
      expect(slack.callsTo('assistant.threads.setStatus').some((c) => c.args.status === 'is looking up SUP-101…')).toBe(
        true,
      );
      expect(slack.callsTo('chat.startStream')).toEqual([]);
    });
  });

  describe('tickets an answer found', () => {
    const ticket = (id: string, title: string) => ({
      id,
      project: 'SUP',
      title,
      status: 'open',
      priority: 'high',
      assignee: null,
      createdAt: '2026-08-01T00:00:00Z',
      updatedAt: '2026-08-02T00:00:00Z',
      url: `https://tickets.example.com/${id}`,
    });
    const search = defineTool({
      name: 'search_tickets',
      description: 'test tool',
      parameters: z.strictObject({ query: z.string() }),
      progress: () => ({ step: 'list_tickets' }),
      authorize: () => undefined,
      run: async () => [ticket('SUP-1', 'VPN drops'), ticket('SUP-2', 'Printer <!channel> jammed')],
      format: (r) => r,
      tickets: (r) => r as ReturnType<typeof ticket>[],
    });
    const run = () =>
      settle(
        processor(
          new ScriptedModel(callsTools(call('c1', 'search_tickets', { query: 'x' })), answer('Two tickets match.')),
          { tools: new ToolRegistry([search]), yaml: { access: { channels: { [CHANNEL]: { projects: ['SUP'] } } } } },
        )(job()),
      );

    it('shows them as a table under the answer, with a Work Object card each in the message after it', async () => {
      await run();
      const [answerMessage, cards, ...more] = botMessages();
      expect(more).toEqual([]);
      const table = answerMessage!.blocks?.find((b) => (b as { type: string }).type === 'table') as
        | { rows: Array<Array<{ text: string }>> }
        | undefined;
      expect(table!.rows.map((r) => r[0]!.text)).toEqual(['Ticket', 'SUP-1', 'SUP-2']);
      expect(
        (cards!.metadata as { entities: Array<{ external_ref: { id: string } }> }).entities.map(
          (e) => e.external_ref.id,
        ),
      ).toEqual(['SUP-1', 'SUP-2']);
      // A retry of the turn knows both messages as its reply.
      expect(await ledger.replies('Ev0001')).toEqual([answerMessage!.ts, cards!.ts]);
    });

    it('lists them as text lines where Slack refuses the table, neutralised, and still ends the stream', async () => {
      slack.failNext('chat.stopStream', { error: 'invalid_blocks' });
      await run();
      const [answerMessage] = botMessages();
      expect(answerMessage!.streaming_state).toBe('completed');
      expect(answerMessage!.text).toContain('Two tickets match.');
      expect(answerMessage!.text).toContain('• SUP-1 · VPN drops · open · high · —');
      expect(answerMessage!.text).toMatch(/SUP-2 · Printer .*jammed/);
      expect(answerMessage!.text).not.toContain('<!channel>');
    });
  });

  it('offers no tools where the channel turns them off', async () => {
    const tool = defineTool({
      name: 'lookup_ticket',
      description: 'test tool',
      parameters: z.strictObject({ ticket_id: z.string() }),
      progress: () => ({ step: 'search_knowledge' }),
      authorize: () => undefined,
      run: async () => ({}),
      format: () => ({}),
    });
    const model = new ScriptedModel(answer('Plain answer.'));

    await settle(
      processor(model, { tools: new ToolRegistry([tool]), yaml: { channels: { [CHANNEL]: { tools: [] } } } })(job()),
    );

    expect(model.requests[0]!.tools).toBeUndefined();
  });
});

describe("the thread's agent session", () => {
  const setStatuses = () => slack.callsTo('agents.sessions.setStatus').map((c) => c.args.status);

  it('is processing while a streamed answer runs and goes active with its stream’s stop: one setStatus per turn', async () => {
    const model = new ScriptedModel([{ text: 'Yes, ' }, { waitMs: 1_500 }, ...answer('it was fixed.')]);

    await settle(processor(model)(job()));

    expect(setStatuses()).toEqual(['processing']);
    const [stop, ...moreStops] = slack.callsTo('chat.stopStream');
    expect(moreStops).toEqual([]);
    expect(stop!.args.session_status).toBe('active');
    expect(slack.ws.sessions.get(`${CHANNEL}:${THREAD}`)?.history).toEqual(['processing', 'active']);
  });

  it('still goes active by setStatus when the answer is posted and edited instead of streamed', async () => {
    const model = new ScriptedModel(answer('Yes, SUP-101 was fixed yesterday.'));

    await settle(processor(model, { yaml: { slack: { native_streaming: false } } })(job()));

    expect(slack.callsTo('chat.startStream')).toEqual([]);
    expect(setStatuses()).toEqual(['processing', 'active']);
    expect(slack.ws.sessions.get(`${CHANNEL}:${THREAD}`)?.status).toBe('active');
  });

  it('still goes active by setStatus when the stream expired before its stop, and the answer is rewritten', async () => {
    const model = new ScriptedModel([{ text: 'Yes, ' }, { waitMs: 1_500 }, ...answer('it was fixed.')]);

    const work = processor(model)(job());
    for (let i = 0; i < 50 && !botMessages().length; i++) await vi.advanceTimersByTimeAsync(10);
    slack.expireStream(CHANNEL, botMessages()[0]!.ts);
    await settle(work);

    expect(slack.callsTo('chat.stopStream').map((c) => c.ok)).toEqual([false]);

    expect(botMessages().map((m) => m.text)).toEqual(['Yes, it was fixed.']);
    expect(setStatuses()).toEqual(['processing', 'active']);
    expect(slack.ws.sessions.get(`${CHANNEL}:${THREAD}`)?.status).toBe('active');
  });

  it('keeps Stop while a long answer continues in a second message, and goes active with the last stop', async () => {
    const para = `${'word '.repeat(199)}word.\n\n`; // 1,002 characters
    const model = new ScriptedModel(answer(para.repeat(14)));

    await settle(processor(model)(job()));

    expect(botMessages()).toHaveLength(2);
    expect(slack.callsTo('chat.stopStream').map((c) => c.args.session_status)).toEqual(['processing', 'active']);
    expect(setStatuses()).toEqual(['processing']);
    expect(slack.ws.sessions.get(`${CHANNEL}:${THREAD}`)?.history).toEqual(['processing', 'processing', 'active']);
  });

  it('stops carrying a session status where Slack refuses agent sessions, and the answer still ends', async () => {
    slack.failFor('agents.sessions.setStatus', { error: 'not_allowed_token_type' });
    const model = new ScriptedModel(answer('Yes, SUP-101 was fixed yesterday.'));

    await settle(processor(model)(job()));

    expect(botMessages().map((m) => m.text)).toEqual(['Yes, SUP-101 was fixed yesterday.']);
    expect(slack.callsTo('chat.stopStream').map((c) => c.args.session_status)).toEqual([undefined]);
  });
});
