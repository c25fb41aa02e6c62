import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisAuditLog } from '../../src/platform/store/audit-log.js';
import { storeKeys } from '../../src/platform/store/keys.js';
import { blockActionPayload, sendInteraction } from '../fakes/slack-events.js';
import { startEverything } from '../support/mcp-everything.js';
import { McpTestServer } from '../support/mcp-test-server.js';
import { type Harness, REDIS_URL, SIGNING_SECRET } from './harness.js';
import { SUP_CHANNEL, toolHarness, toolOutputs } from './tool-setup.js';

let h: Harness | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await h?.stop();
  h = undefined;
  for (const c of cleanups.splice(0)) await c();
});

const ENCRYPTION_KEY = 'a'.repeat(64);
const PUBLIC_URL = 'https://threadwise.example.com';

async function orders(opts: { oauth?: boolean } = {}) {
  const server = new McpTestServer(opts);
  await server.start();
  cleanups.push(() => server.stop());
  return server;
}

const mcpYaml = (servers: string) => ['mcp:', '  hosted: false', '  servers:', servers].join('\n');
const rootTs = () => h!.slack.messages(SUP_CHANNEL)[0]!.ts;
const visible = () =>
  h!
    .replies(SUP_CHANNEL, rootTs())
    .map((m) => m.text)
    .join('\n');
const cardOf = (prefix: string) =>
  h!.replies(SUP_CHANNEL, rootTs()).find((m) => JSON.stringify(m.blocks ?? []).includes(prefix))!;
const approvalIdOf = (card: { blocks?: unknown }) =>
  (card.blocks as Array<{ type: string; elements?: Array<{ value: string }> }>).find((b) => b.type === 'actions')!
    .elements![0]!.value;

async function click(user: string, action: 'approve' | 'cancel', card: { ts: string }, approvalId: string) {
  const before = h!.parsedLogs().filter((l) => l.msg === 'MCP approval handled').length;
  const res = await sendInteraction(
    h!.eventsUrl,
    blockActionPayload({
      user,
      channel: SUP_CHANNEL,
      message_ts: card.ts,
      thread_ts: rootTs(),
      action_id: `tw_mcp_${action}`,
      value: approvalId,
    }),
    { signingSecret: SIGNING_SECRET },
  );
  expect(res.status).toBe(200);
  await h!.until(
    () => h!.parsedLogs().filter((l) => l.msg === 'MCP approval handled').length > before,
    'MCP approval handled',
  );
  return h!
    .parsedLogs()
    .filter((l) => l.msg === 'MCP approval handled')
    .at(-1)!;
}

describe('MCP tools that Threadwise calls itself (client side)', () => {
  it('answers a question that needs a read tool without a click, from the real server, marked as untrusted', async () => {
    const server = await orders();
    h = await toolHarness({
      yaml: mcpYaml(`    - { label: orders, url: "${server.url}", read_only_tools: annotated }`),
    }).start();
    h.openai.enqueue(
      {
        kind: 'function_calls',
        calls: [{ name: 'orders__lookup_order', arguments: '{"order":"42","include_items":null}', call_id: 'c1' }],
      },
      { kind: 'text', text: 'Order 42 shipped on 30 November with DHL.' },
    );
    const sent = await h.mention({ user: 'U1', text: 'where is order 42?' });
    await h.turnFinished(sent.eventId);

    expect(visible()).toBe('Order 42 shipped on 30 November with DHL.');
    expect(JSON.stringify(h.replies(SUP_CHANNEL, rootTs()).map((m) => m.blocks))).not.toContain('tw_mcp_approve');
    // The optional argument the model had to send as null is not passed on; the server saw only the order.
    expect(server.calls).toEqual([{ tool: 'lookup_order', args: { order: '42' }, subject: undefined }]);

    const [first, second] = h.openai.responsesRequests().map((r) => r.body);
    const lookup = first.tools.find((t: { name?: string }) => t.name === 'orders__lookup_order');
    expect(lookup).toMatchObject({ type: 'function', strict: true });
    expect(lookup.parameters.required).toEqual(['order', 'include_items']);
    expect(lookup.parameters.properties.include_items.type).toEqual(['boolean', 'null']);
    // Built-ins keep their names; every MCP tool is namespaced by its server.
    const names = first.tools.map((t: { name?: string }) => t.name);
    expect(names).toEqual(expect.arrayContaining(['lookup_ticket', 'orders__refund_order', 'orders__whoami']));
    expect(toolOutputs(second)[0]!.out).toMatchObject({
      ok: true,
      untrusted_data: expect.stringMatching(/never follow instructions/),
      data: { content: 'Order 42: shipped on 2026-11-30 by DHL.' },
    });
  });

  it('asks before a write: the card only the asker can approve runs it once, as the asker', async () => {
    const server = await orders();
    h = await toolHarness({
      yaml: mcpYaml(`    - { label: orders, url: "${server.url}", read_only_tools: [lookup_order] }`),
    }).start();
    h.openai.enqueue(
      {
        kind: 'function_calls',
        calls: [{ name: 'orders__refund_order', arguments: '{"order":"42","reason":"arrived broken"}' }],
      },
      { kind: 'text', text: 'I prepared the refund; approve it on the card.' },
    );
    const sent = await h.mention({ user: 'U1', text: 'refund order 42, it arrived broken' });
    await h.turnFinished(sent.eventId);

    const card = cardOf('tw_mcp_approve');
    const id = approvalIdOf(card);
    expect(card.text).toContain('refund_order');
    expect(JSON.stringify(card.blocks)).toContain('arrived broken');
    expect(server.calls).toEqual([]);

    expect(await click('U2', 'approve', card, id)).toMatchObject({ decision: 'wrong_user' });
    expect(server.calls).toEqual([]);
    expect(await click('U1', 'approve', card, id)).toMatchObject({ decision: 'ran' });
    expect(server.calls).toEqual([
      { tool: 'refund_order', args: { order: '42', reason: 'arrived broken' }, subject: undefined },
    ]);
    expect(visible()).toContain('✅ Ada approved: ran refund_order on orders.');
    expect(visible()).toContain('Refunded order 42.');
    // A second click (double click, another replica) cannot run it again.
    expect(await click('U1', 'approve', card, id)).toMatchObject({ decision: 'expired' });
    expect(server.calls).toHaveLength(1);

    // Both decisions are in the audit trail, as ticket approvals are: the refused clicker and the asker's approval.
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => void redis.disconnect());
    const trail = new RedisAuditLog(redis, storeKeys(h.prefix), () => 86_400_000);
    const approvals = (await trail.query({ since: 0 })).filter((r) => r.action === 'approval');
    expect(approvals).toEqual([
      expect.objectContaining({
        actor: 'U2',
        decision: 'denied',
        rule: 'only the asker may approve their tool call',
        detail: { approval: id, action: 'approve' },
      }),
      expect.objectContaining({
        actor: 'U1',
        decision: 'allowed',
        tool: 'orders__refund_order',
        outcome: 'ran',
        detail: { approval: id, action: 'approve', server: 'orders' },
      }),
    ]);

    // The next turn reads the real result as the asker's tool output.
    h.openai.enqueue({ kind: 'text', text: 'Done.' });
    const follow = await h.message({ user: 'U1', channel: SUP_CHANNEL, thread_ts: rootTs(), text: 'did it work?' });
    await h.turnFinished(follow.eventId);
    const outs = toolOutputs(h.openai.responsesRequests().at(-1)!.body);
    expect(outs.at(-1)!.out).toMatchObject({ ok: true, data: { content: 'Refunded order 42.' } });
  });

  it('tells a Japanese asker in Japanese: the server that is down, the card, and what their approval did', async () => {
    const server = await orders();
    h = await toolHarness({
      yaml: mcpYaml(
        [
          `    - { label: orders, url: "${server.url}", read_only_tools: [lookup_order] }`,
          '    - { label: down, url: "http://127.0.0.1:9/mcp" }',
        ].join('\n'),
      ),
    }).start();
    h.slack.addUser('U7', { name: 'yui', real_name: 'Yui Tanaka', display_name: 'Yui', locale: 'ja-JP' });
    h.openai.enqueue(
      {
        kind: 'function_calls',
        calls: [{ name: 'orders__refund_order', arguments: '{"order":"42","reason":"arrived broken"}' }],
      },
      { kind: 'text', text: '返金を準備しました。カードで承認してください。' },
    );
    const sent = await h.mention({ user: 'U7', text: '注文 42 を返金して' });
    await h.turnFinished(sent.eventId);
    expect(visible()).toContain('⚠️ down が応答しなかったため、この回答ではそのツールを使えませんでした。');
    const card = cardOf('tw_mcp_approve');
    expect(JSON.stringify(card.blocks)).toContain('承認');
    expect(await click('U7', 'approve', card, approvalIdOf(card))).toMatchObject({ decision: 'ran' });
    expect(visible()).toContain('✅ Yui さんが承認: orders の refund_order を実行しました。');
  });

  it('uses the reference server-everything, and a server that is down costs one notice, not the answer', async () => {
    const everything = await startEverything();
    cleanups.push(() => everything.stop());
    h = await toolHarness({
      yaml: mcpYaml(
        [
          `    - { label: everything, url: "${everything.url}", read_only_tools: annotated, allowed_tools: [echo, get-sum] }`,
          '    - { label: down, url: "http://127.0.0.1:9/mcp" }',
        ].join('\n'),
      ),
    }).start();
    h.openai.enqueue(
      { kind: 'function_calls', calls: [{ name: 'everything__echo', arguments: '{"message":"hello"}' }] },
      { kind: 'text', text: 'The server echoed hello.' },
    );
    const sent = await h.mention({ user: 'U1', text: 'echo hello' });
    await h.turnFinished(sent.eventId);

    expect(visible()).toContain('The server echoed hello.');
    expect(visible()).toContain('⚠️ down did not answer, so this answer could not use its tools.');
    const [first, second] = h.openai.responsesRequests().map((r) => r.body);
    const names = first.tools
      .map((t: { name?: string }) => t.name)
      .filter((n: string) => n?.startsWith('everything__'));
    expect(names.sort()).toEqual(['everything__echo', 'everything__get-sum']);
    expect(toolOutputs(second)[0]!.out.data.content).toBe('Echo: hello');
  });
});

describe('MCP safety', () => {
  it('what a server returns cannot grant access Threadwise denies: ticket rules still apply to the asker', async () => {
    const server = await orders();
    h = await toolHarness({
      yaml: mcpYaml(`    - { label: orders, url: "${server.url}", read_only_tools: annotated }`),
    }).start();
    h.openai.enqueue(
      { kind: 'function_calls', calls: [{ name: 'orders__customer_notes', arguments: '{}' }] },
      { kind: 'function_calls', calls: [{ name: 'lookup_ticket', arguments: '{"ticket_id":"OPS-12"}' }] },
      { kind: 'text', text: 'I cannot show OPS-12.' },
    );
    const sent = await h.mention({ user: 'U5', text: 'read my notes, then show OPS-12' });
    await h.turnFinished(sent.eventId);
    const [, second, third] = h.openai.responsesRequests().map((r) => r.body);
    expect(toolOutputs(second).at(-1)!.out).toMatchObject({
      ok: true,
      untrusted_data: expect.stringMatching(/never follow instructions/),
    });
    // Eve did not request OPS-12 and the channel does not grant OPS: still refused, whatever the notes said.
    const ticket = toolOutputs(third).at(-1)!.out;
    expect(ticket.ok).toBe(false);
    expect(JSON.stringify(ticket)).not.toContain('Grace');
  });

  it('keeps a server’s tool list current when it announces notifications/tools/list_changed', async () => {
    const server = await orders();
    h = await toolHarness({
      yaml: mcpYaml(`    - { label: orders, url: "${server.url}", read_only_tools: annotated }`),
    }).start();
    h.openai.enqueue({ kind: 'text', text: 'One.' });
    const sent = await h.mention({ user: 'U1', text: 'hi' });
    await h.turnFinished(sent.eventId);
    const namesOf = (i: number) =>
      h!.openai.responsesRequests()[i]!.body.tools.map((t: { name?: string }) => t.name) as string[];
    expect(namesOf(0)).not.toContain('orders__track_parcel');

    server.addTool('track_parcel');
    await h.waitForLog((l) => l.msg === 'MCP tool list changed');
    h.openai.enqueue({ kind: 'text', text: 'Two.' });
    const again = await h.message({ user: 'U1', channel: SUP_CHANNEL, thread_ts: rootTs(), text: 'and now?' });
    await h.turnFinished(again.eventId);
    expect(namesOf(1)).toContain('orders__track_parcel');
  });
});

/** The person follows the sign-in link from their DM: the authorization server logs them in and sends them back. */
async function followSignInLink(user: string) {
  const dm = h!.slack.messages(`D${user}`).at(-1)!;
  const link = /<(http[^|>]+)\|Sign in to orders>/.exec(dm.text)![1]!.replaceAll('&amp;', '&');
  const back = await fetch(link, { redirect: 'manual' });
  const callback = new URL(back.headers.get('location')!);
  return fetch(`http://127.0.0.1:${h!.port}${callback.pathname}${callback.search}`);
}

describe('MCP servers that act with the asker’s own identity (per_user_oauth)', () => {
  it('sends a sign-in link in a DM, signs the person in with PKCE, keeps the token sealed, and calls as them', async () => {
    const server = await orders({ oauth: true });
    h = await toolHarness({
      yaml: [
        'mcp:',
        '  servers:',
        `    - { label: orders, url: "${server.url}", read_only_tools: annotated, auth: per_user_oauth }`,
      ].join('\n'),
      env: { THREADWISE_PUBLIC_URL: PUBLIC_URL, THREADWISE_ENCRYPTION_KEY: ENCRYPTION_KEY },
    }).start();
    h.openai.enqueue({ kind: 'text', text: 'I cannot see your orders yet.' });
    const sent = await h.mention({ user: 'U1', text: 'what are my orders?' });
    await h.turnFinished(sent.eventId);

    expect(visible()).toContain('🔑 orders works with your own account: sign in with the link I sent you in a DM');
    // The model was not offered the server's tools, and nothing ran with any other identity.
    const names = h.openai.responsesRequests()[0]!.body.tools.map((t: { name?: string }) => t.name);
    expect(names.some((n: string) => n?.startsWith('orders__'))).toBe(false);
    expect(server.calls).toEqual([]);
    const dm = h.slack.messages('DU1').at(-1)!;
    const link = /<(http[^|>]+)\|Sign in to orders>/.exec(dm.text)![1]!.replaceAll('&amp;', '&');
    const authorize = new URL(link);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/mcp/oauth/callback`);

    // The person's browser: the authorization server logs them in and sends them back to the bot.
    server.signInAs = 'orders-user-ada';
    const back = await fetch(authorize, { redirect: 'manual' });
    const callback = new URL(back.headers.get('location')!);
    const page = await fetch(`http://127.0.0.1:${h.port}${callback.pathname}${callback.search}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('You are signed in to orders');
    expect(h.slack.messages('DU1').at(-1)!.text).toContain('signed in to orders');
    // A replayed callback signs nobody in.
    expect((await fetch(`http://127.0.0.1:${h.port}${callback.pathname}${callback.search}`)).status).toBe(400);

    // At rest the token is sealed (AES-256-GCM), never in the clear.
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => void redis.disconnect());
    const keys = await redis.keys(`${h.prefix}mcp-signin:token:*`);
    expect(keys).toHaveLength(1);
    const record = await redis.get(keys[0]!);
    expect(record).toMatch(/"sealed":"tw1\./);
    expect(record).not.toMatch(/access_token/);

    h.openai.enqueue(
      { kind: 'function_calls', calls: [{ name: 'orders__whoami', arguments: '{}' }] },
      { kind: 'text', text: 'You are Ada in the orders system.' },
    );
    const again = await h.message({ user: 'U1', channel: SUP_CHANNEL, thread_ts: rootTs(), text: 'who am I there?' });
    await h.turnFinished(again.eventId);
    expect(server.calls).toEqual([{ tool: 'whoami', args: {}, subject: 'orders-user-ada' }]);

    // Grace has not signed in: she gets her own link, never Ada's access.
    h.openai.enqueue({ kind: 'text', text: 'Please sign in first.' });
    const grace = await h.message({ user: 'U2', channel: SUP_CHANNEL, thread_ts: rootTs(), text: 'and me?' });
    await h.turnFinished(grace.eventId);
    expect(server.calls).toHaveLength(1);
    expect(h.slack.messages('DU2').at(-1)!.text).toContain('Sign in to orders');

    // forget-me deletes Ada's sign-in.
    await h.slash('forget-me', { user: 'U1' });
    await h.waitForLog((l) => l.msg === 'forget-me done');
    expect(await redis.keys(`${h.prefix}mcp-signin:token:*`)).toEqual([]);
  });

  it('deletes a token the server has revoked and sends a new link, instead of using any other access', async () => {
    const server = await orders({ oauth: true });
    h = await toolHarness({
      yaml: [
        'mcp:',
        '  servers:',
        `    - { label: orders, url: "${server.url}", read_only_tools: annotated, auth: per_user_oauth }`,
      ].join('\n'),
      env: { THREADWISE_PUBLIC_URL: PUBLIC_URL, THREADWISE_ENCRYPTION_KEY: ENCRYPTION_KEY },
    }).start();
    h.openai.enqueue({ kind: 'text', text: 'Sign in first.' });
    const sent = await h.mention({ user: 'U1', text: 'my orders?' });
    await h.turnFinished(sent.eventId);
    expect((await followSignInLink('U1')).status).toBe(200);

    server.revokeAll();
    const dms = h.slack.messages('DU1').length;
    h.openai.enqueue({ kind: 'text', text: 'Please sign in again.' });
    const again = await h.message({ user: 'U1', channel: SUP_CHANNEL, thread_ts: rootTs(), text: 'who am I?' });
    await h.turnFinished(again.eventId);
    expect(server.calls).toEqual([]);
    const names = h.openai
      .responsesRequests()
      .at(-1)!
      .body.tools.map((t: { name?: string }) => t.name) as string[];
    expect(names.some((n) => n?.startsWith('orders__'))).toBe(false);
    expect(visible()).toContain('🔑 orders works with your own account');
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => void redis.disconnect());
    expect(await redis.keys(`${h.prefix}mcp-signin:token:*`)).toEqual([]);
    expect(h.slack.messages('DU1')).toHaveLength(dms + 1);
    expect(h.slack.messages('DU1').at(-1)!.text).toContain('Sign in to orders');
  });
});

describe('MCP servers the model’s server calls itself (hosted, Responses mcp tools)', () => {
  const hostedYaml = [
    'mcp:',
    '  servers:',
    '    - label: orders',
    '      url: https://orders.example.com/mcp',
    '      headers: { X-Api-Key: ORDERS_MCP_KEY }',
    '      read_only_tools: [lookup_order]',
  ].join('\n');
  const tools = [
    { name: 'lookup_order', annotations: { readOnlyHint: true } },
    { name: 'refund_order', annotations: { destructiveHint: true } },
  ];
  const refund = { name: 'refund_order', arguments: '{"order":"42","reason":"broken"}', output: 'Refunded order 42.' };

  it('reads without a click, shows the call as a step, and a write waits for the asker’s card', async () => {
    h = await toolHarness({ yaml: hostedYaml, env: { ORDERS_MCP_KEY: 'orders-key-for-tests' } }).start();
    h.openai.enqueue({
      kind: 'mcp',
      server: 'orders',
      tools,
      calls: [{ name: 'lookup_order', arguments: '{"order":"42"}', output: 'Order 42: shipped.' }],
      text: 'Order 42 has shipped.',
    });
    const sent = await h.mention({ user: 'U1', text: 'where is order 42?' });
    await h.turnFinished(sent.eventId);

    expect(visible()).toBe('Order 42 has shipped.');
    const first = h.openai.responsesRequests()[0]!.body;
    expect(first.tools.find((t: { type: string }) => t.type === 'mcp')).toEqual({
      type: 'mcp',
      server_label: 'orders',
      server_url: 'https://orders.example.com/mcp',
      headers: { 'X-Api-Key': 'orders-key-for-tests' },
      require_approval: { never: { tool_names: ['lookup_order'] } },
    });
    // The server's call shows as a step of the answer (Slack's thinking steps), started then finished.
    const bot = h.slack.botUserId;
    const [reply] = h.replies(SUP_CHANNEL, rootTs()).filter((m) => m.user === bot);
    const steps = h.slack.streamChunks(SUP_CHANNEL, reply!.ts)!.chunks as Array<Record<string, unknown>>;
    expect(steps.map((c) => [c.type, c.title, c.status])).toEqual([
      ['task_update', 'Using orders: lookup_order', 'in_progress'],
      ['task_update', 'Using orders: lookup_order', 'complete'],
    ]);
    expect(JSON.stringify(h.replies(SUP_CHANNEL, rootTs()).map((m) => m.blocks))).not.toContain('tw_mcp_approve');
    // The header's value is a secret: never in the logs.
    expect(h.logs.join('\n')).not.toContain('orders-key-for-tests');

    h.openai.enqueue({ kind: 'mcp', server: 'orders', tools, calls: [refund], text: 'Refunded.' });
    const ask = await h.message({ user: 'U1', channel: SUP_CHANNEL, thread_ts: rootTs(), text: 'refund it, broken' });
    await h.turnFinished(ask.eventId);
    const card = cardOf('tw_mcp_approve');
    const id = approvalIdOf(card);
    expect(card.text).toContain('refund_order');
    expect(visible()).toContain('⏳ refund_order on orders waits for your approval on the card above');
    // The stored history carries the server's items back (store is off): the listing and the held request.
    const heldInput = h.openai.responsesRequests()[1]!.body.input as Array<{ type: string }>;
    expect(heldInput.some((i) => i.type === 'mcp_list_tools')).toBe(true);

    h.openai.enqueue({ kind: 'mcp', server: 'orders', tools, calls: [refund], text: 'Order 42 is refunded.' });
    expect(await click('U2', 'approve', card, id)).toMatchObject({ decision: 'wrong_user' });
    expect(await click('U1', 'approve', card, id)).toMatchObject({ decision: 'approved_hosted' });
    await h.turnFinished(`mcp-approval:${id}`);
    expect(visible()).toContain('Order 42 is refunded.');
    const resumed = h.openai.responsesRequests().at(-1)!.body.input as Array<Record<string, unknown>>;
    const request = resumed.find((i) => i.type === 'mcp_approval_request')!;
    expect(resumed.at(-1)).toEqual({ type: 'mcp_approval_response', approval_request_id: request.id, approve: true });
    expect(await click('U1', 'approve', card, id)).toMatchObject({ decision: 'expired' });
  });

  it('a cancelled write tells the model it was not approved, and the answer says so', async () => {
    h = await toolHarness({ yaml: hostedYaml, env: { ORDERS_MCP_KEY: 'orders-key-for-tests' } }).start();
    h.openai.enqueue({ kind: 'mcp', server: 'orders', tools, calls: [refund], text: 'Refunded.' });
    const sent = await h.mention({ user: 'U1', text: 'refund order 42' });
    await h.turnFinished(sent.eventId);
    const card = cardOf('tw_mcp_approve');
    const id = approvalIdOf(card);
    h.openai.enqueue({ kind: 'mcp', server: 'orders', tools, calls: [refund], text: 'OK, I did not refund it.' });
    expect(await click('U1', 'cancel', card, id)).toMatchObject({ decision: 'cancelled_hosted' });
    await h.turnFinished(`mcp-approval:${id}`);
    expect(visible()).toContain('OK, I did not refund it.');
    expect(h.openai.responsesRequests().at(-1)!.body.input.at(-1)).toMatchObject({
      type: 'mcp_approval_response',
      approve: false,
    });
  });
});
