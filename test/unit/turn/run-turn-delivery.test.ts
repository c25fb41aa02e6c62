import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { fileConfigSchema } from '../../../src/config/file-schema.js';
import { channelSettings } from '../../../src/config/settings.js';
import { storeKeys } from '../../../src/platform/store/keys.js';
import { MemoryThreadStore } from '../../../src/platform/store/memory/memory-stores.js';
import type { ModelPort, ReplySink } from '../../../src/turn/ports.js';
import { runTurn } from '../../../src/turn/run-turn.js';
import { translators } from '../../support/translators.js';

const key = { teamId: 'T1', channel: 'C1', threadTs: '1.000000' };
const settings = channelSettings(fileConfigSchema.parse({}), 'gpt-4o', key.channel, false);

const model: ModelPort = {
  async *stream() {
    yield { type: 'text', delta: 'An answer the platform refused.' };
    yield {
      type: 'done',
      call: { responseId: 'resp_1', model: 'gpt-4o-2024-08-06', status: 'completed', functionCalls: [] },
    };
  },
};

/** A reply sink whose platform accepted `shown` of the characters appended. */
function sinkShowing(shown: 'all' | 'nothing'): ReplySink {
  let chars = 0;
  return {
    append: (delta) => void (chars += delta.length),
    status: () => undefined,
    restart: async () => undefined,
    finish: async () => (shown === 'all' ? { messageTs: ['2.000000'] } : { messageTs: [], undelivered: chars }),
  };
}

async function turn(sink: ReplySink) {
  const threads = new MemoryThreadStore(storeKeys('t:'), 3600, 10);
  const result = await runTurn(
    {
      turnId: 'turn-1',
      key,
      settings,
      user: { id: 'U1', name: 'Ada' },
      text: 'where is my invoice?',
      messageTs: '1.500000',
      sink,
    },
    {
      model,
      threads,
      log: pino({ level: 'silent' }),
      requestOptions: { store: true, chainPreviousResponse: true },
      stallSeconds: 30,
      maxToolRounds: 6,
      translators,
    },
  );
  return { result, stored: await threads.load(key) };
}

describe('a turn whose answer could not be shown', () => {
  it('is reported as undelivered, keeps the question, and does not keep the unseen answer', async () => {
    const { result, stored } = await turn(sinkShowing('nothing'));
    expect(result.outcome).toBe('undelivered');
    expect(stored.map((i) => i.type)).toEqual(['user']);
  });

  it('is answered, with the answer kept, when the platform showed it', async () => {
    const { result, stored } = await turn(sinkShowing('all'));
    expect(result.outcome).toBe('answered');
    expect(stored.map((i) => i.type)).toEqual(['user', 'assistant']);
  });
});
