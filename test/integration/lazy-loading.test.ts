import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenCounter } from '../../src/turn/tokens.js';
import { FakeOpenAI } from '../fakes/openai-server.js';
import { FakeSlack } from '../fakes/slack-api.js';
import { appMention, newEventId, sendEvent } from '../fakes/slack-events.js';
import { OPENAI_KEY, SIGNING_SECRET } from './harness.js';
import { BotProcess, configFile } from './processes.js';

// The large libraries a start does not need: the tokenizer (about 72 MB), image, PDF and file-type decoding, phone
// number metadata, pretty logs, the knowledge sources' document parsers. A process loads them when it first needs
// them, not before.
const LAZY = [
  'gpt-tokenizer',
  'sharp',
  'pdf-lib',
  'file-type',
  'libphonenumber-js',
  'pino-pretty',
  'unpdf',
  'mammoth',
  'linkedom',
  'turndown',
  'robots-parser',
  'fast-xml-parser',
];
const CH = 'C0LAZY1';
const BUDGET = 1_000;

let slack: FakeSlack;
let openai: FakeOpenAI;
let bot: BotProcess;
let recorded: string;
const loaded = () => readFileSync(recorded, 'utf8').split('\n').filter(Boolean);

async function ask(text: string): Promise<void> {
  const eventId = newEventId();
  const event = appMention({ user: 'U1', channel: CH, text: `<@${slack.botUserId}> ${text}` });
  await sendEvent(bot.eventsUrl, event, { signingSecret: SIGNING_SECRET, teamId: slack.teamId, eventId });
  await bot.waitFor((l) => l.msg === 'turn finished' && l.turn === eventId);
}

beforeAll(async () => {
  slack = new FakeSlack({ users: { U1: { name: 'ada', real_name: 'Ada Lovelace', display_name: 'Ada' } } });
  openai = new FakeOpenAI({ apiKey: OPENAI_KEY });
  openai.setDefault(() => ({ kind: 'text', text: 'Here is the answer.' }));
  const [slackUrl, openaiUrl] = await Promise.all([slack.start(), openai.start()]);
  recorded = join(mkdtempSync(join(tmpdir(), 'tw-lazy-')), 'packages.txt');
  const prefix = `twtest:${randomBytes(4).toString('hex')}:`;
  bot = await new BotProcess('lazy', {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackUrl,
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: openaiUrl,
    THREADWISE_CONFIG: configFile(`state:\n  key_prefix: "${prefix}"\ncontext:\n  max_input_tokens: ${BUDGET}\n`),
    PORT: '0',
    NODE_OPTIONS: `--import=${resolve(import.meta.dirname, '../fixtures/record-packages.mjs')}`,
    RECORD_PACKAGES_TO: recorded,
  }).ready();
});

afterAll(async () => {
  await bot?.stop();
  await Promise.all([slack?.close(), openai?.close()]);
});

describe('what a start loads', () => {
  it('starts and answers a short question without the tokenizer and the file libraries', async () => {
    expect(loaded()).toEqual(expect.arrayContaining(['@slack/bolt', 'openai', 'pino']));
    await ask('what is our refund window?');
    expect(loaded().filter((p) => LAZY.includes(p))).toEqual([]);
  });

  it('loads the tokenizer for a question near the budget, and the request still fits it', async () => {
    const long = Array.from({ length: 300 }, (_, i) => `line ${i}: the checkout page fails on step ${i % 7}.`).join(
      '\n',
    );
    await ask(long);
    expect(loaded()).toContain('gpt-tokenizer');
    const body = openai.responsesRequests().at(-1)!.body as {
      instructions: string;
      input: Array<{ content: Array<{ text: string }> }>;
    };
    const counter = new TokenCounter();
    const sent =
      counter.text(body.instructions) +
      body.input.flatMap((i) => i.content).reduce((n, c) => n + counter.text(c.text), 0);
    expect(sent).toBeLessThanOrEqual(BUDGET);
    expect(sent).toBeGreaterThan(BUDGET / 2); // shortened to the budget, not dropped
  });
});
