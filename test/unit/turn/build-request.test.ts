import { describe, expect, it } from 'vitest';
import { fileConfigSchema } from '../../../src/config/file-schema.js';
import { channelSettings } from '../../../src/config/settings.js';
import { toCreateParams } from '../../../src/platform/openai/openai-model.js';
import { buildRequest, languageHint } from '../../../src/turn/build-request.js';
import type { ThreadItem } from '../../../src/turn/thread.js';

const settings = channelSettings(fileConfigSchema.parse({}), 'gpt-4o', 'C1', false);
const key = { teamId: 'T1', channel: 'C1', threadTs: '1.1' };
const history: ThreadItem[] = [
  { type: 'user', ts: '1.1', userId: 'U1', userName: 'Ada', text: 'first' },
  { type: 'assistant', ts: '1.2', text: 'answer one', responseId: 'resp_1' },
];
const next: ThreadItem = { type: 'user', ts: '1.3', userId: 'U1', userName: 'Ada', text: 'second' };

describe('the model request for a turn', () => {
  it('sends instructions, the whole stored history in order and the new message', () => {
    const req = buildRequest(
      settings,
      key,
      'U1',
      history,
      [next],
      { store: false, chainPreviousResponse: false },
      'Ev1',
    );
    expect(req.items).toEqual([...history, next]);
    expect(req.previousResponseId).toBeUndefined();
    expect(req.store).toBe(false);
    expect(req.maxOutputTokens).toBe(4096);
    expect(req.instructions).toContain('Threadwise');
  });

  it('never sends the raw Slack user id: the safety identifier is a hash of at most 64 characters', () => {
    const req = buildRequest(settings, key, 'U1', [], [next], { store: false, chainPreviousResponse: false }, 'Ev1');
    expect(req.safetyIdentifier).not.toContain('U1');
    expect(req.safetyIdentifier.length).toBeLessThanOrEqual(64);
    expect(JSON.stringify(req.metadata)).not.toMatch(/U1|C1|T1/);
  });

  it('keeps a byte-identical prefix between turns so the prompt cache can reuse it', () => {
    const a = toCreateParams(
      buildRequest(settings, key, 'U1', history, [next], { store: false, chainPreviousResponse: false }, 'Ev1'),
    );
    const answer: ThreadItem = { type: 'assistant', text: 'answer two' };
    const b = toCreateParams(
      buildRequest(
        settings,
        key,
        'U1',
        [...history, next, answer],
        [{ ...next, ts: '1.5', text: 'third' }],
        { store: false, chainPreviousResponse: false },
        'Ev2',
      ),
    );
    expect(b.instructions).toBe(a.instructions);
    expect(JSON.stringify(b.input).startsWith(JSON.stringify(a.input).slice(0, -1))).toBe(true);
    expect(b.prompt_cache_key).toBe(a.prompt_cache_key);
  });

  it('chains with previous_response_id when configured, sending only what came after', () => {
    const req = buildRequest(
      settings,
      key,
      'U1',
      history,
      [next],
      { store: false, chainPreviousResponse: true },
      'Ev1',
    );
    expect(req.previousResponseId).toBe('resp_1');
    expect(req.items).toEqual([next]);
    expect(req.store).toBe(true);
  });

  it('maps to Responses input items with names on user messages', () => {
    const params = toCreateParams(
      buildRequest(settings, key, 'U1', history, [next], { store: false, chainPreviousResponse: false }, 'Ev1'),
    );
    expect(params.stream).toBe(true);
    expect(params.input).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Ada: first' }] },
      { type: 'message', role: 'assistant', content: 'answer one' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Ada: second' }] },
    ]);
  });
});

describe('tool results in a shared thread', () => {
  const withTools: ThreadItem[] = [
    { type: 'user', ts: '1.1', userId: 'UAGENT', userName: 'Sam', text: 'HR-7?' },
    { type: 'function_call', callId: 'c1', name: 'lookup_ticket', arguments: '{"ticket_id":"HR-7"}' },
    { type: 'function_call_output', callId: 'c1', output: '{"ok":true,"data":{"title":"Salary review"}}' },
    { type: 'assistant', ts: '1.2', text: 'HR-7 is open.', responseId: 'resp_1' },
  ];
  const eve: ThreadItem = { type: 'user', ts: '1.3', userId: 'U5', userName: 'Eve', text: 'what was its title?' };

  it('hides results fetched for someone else from the next asker, keeping the calls paired', () => {
    const req = buildRequest(
      settings,
      key,
      'U5',
      withTools,
      [eve],
      { store: true, chainPreviousResponse: true },
      'Ev2',
    );
    expect(JSON.stringify(req.items)).not.toContain('Salary review');
    expect(req.items.map((i) => i.type)).toEqual([
      'user',
      'function_call',
      'function_call_output',
      'assistant',
      'user',
    ]);
    // The stored chain would carry the raw result, so the history is resent instead.
    expect(req.previousResponseId).toBeUndefined();
  });

  it('keeps the asker’s own results', () => {
    const req = buildRequest(
      settings,
      key,
      'UAGENT',
      withTools,
      [eve],
      { store: true, chainPreviousResponse: false },
      'Ev2',
    );
    expect(JSON.stringify(req.items)).toContain('Salary review');
  });
});

describe('the language hint', () => {
  it('names the asker’s Slack language and lets the language they write in win', () => {
    expect(languageHint('ja-JP')).toBe(
      'The person asking has set their Slack language to Japanese (Japan) (ja-JP). Answer in that language unless they write in another language; then answer in the language they write in.',
    );
    expect(languageHint('es-LA')).toContain('Latin American Spanish (es-LA)');
    expect(languageHint('pt-BR')).toContain('Brazilian Portuguese (pt-BR)');
  });

  it('says nothing when the locale is unknown, English or not a language', () => {
    expect(languageHint(undefined)).toBeUndefined();
    expect(languageHint('en-US')).toBeUndefined();
    expect(languageHint('not a locale')).toBeUndefined();
  });
});
