import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { KnowledgeGap, KnowledgeGaps } from '../../src/features/knowledge/contracts.js';
import { policyFolder } from '../support/policy-folder.js';
import { Harness, REDIS_URL } from './harness.js';
import { toolOutputs } from './tool-setup.js';

const CHANNEL = 'C0KNOW1';
const STRICT = 'C0STRICT';
const TRAVEL_URL = 'https://wiki.example.com/policies/travel';

/** The team's folder: the travel policy links to its wiki page through its front matter. */
const knowledgeDir = () =>
  policyFolder({
    'travel.md': `---\nurl: ${TRAVEL_URL}\n---\n# Travel Policy\n\n## Hotels\n\nThe nightly hotel limit is 180 EUR, and 250 EUR in London.\n\n## Booking\n\nBook flights through the travel portal.\n`,
    'security.md': '# Security Policy\n\n## Laptops\n\nReport a lost laptop to IT at once.\n',
  });

const yaml = (extra: string[] = []) =>
  [
    'policies:',
    `  dir: ${JSON.stringify(knowledgeDir())}`,
    'channels:',
    `  ${STRICT}:`,
    '    answer_only_from_sources: true',
    `    desk: ${JSON.stringify({ auto_answer: false, oncall: ['S0ONCALL', 'U7'] })}`,
    ...extra,
  ].join('\n');

/** The gaps store as an injected dependency: what the app recorded. */
class RecordedGaps implements KnowledgeGaps {
  readonly gaps: KnowledgeGap[] = [];
  async record(gap: KnowledgeGap): Promise<void> {
    this.gaps.push(gap);
  }
  async between(from: number, to: number): Promise<KnowledgeGap[]> {
    return this.gaps.filter((g) => g.at >= from && g.at < to);
  }
  async forgetPerson(userId: string): Promise<number> {
    const before = this.gaps.length;
    this.gaps.splice(0, before, ...this.gaps.filter((g) => g.askedBy !== userId));
    return before - this.gaps.length;
  }
}

let h: Harness | undefined;
let redis: Redis | undefined;
afterEach(async () => {
  await h?.stop();
  await redis?.quit();
  h = undefined;
  redis = undefined;
});

const thread = (channel: string) => {
  const root = h!.slack.messages(channel)[0]!;
  return h!
    .replies(channel, root.ts)
    .map((m) => m.text)
    .join('\n');
};

describe('answers from the knowledge sources', () => {
  it('answers a question from the folder and cites the passage as a link; vectors are kept in Redis', async () => {
    h = await new Harness({ yaml: yaml() }).start();
    // Start-up indexed the folder as the source "policies"; its vectors follow from /v1/embeddings.
    await h.waitForLog((l) => l.msg === 'knowledge passages indexed');
    const indexing = h.openai.embeddingsRequests();
    expect(indexing).toHaveLength(1);
    expect(indexing[0]!.body).toMatchObject({ model: 'text-embedding-3-small', encoding_format: 'base64' });
    redis = new Redis(REDIS_URL);
    expect(await redis.keys(`${h.prefix}kvec:policies:*`)).toHaveLength(2);

    h.openai.enqueue(
      { kind: 'function_calls', calls: [{ name: 'search_knowledge', arguments: '{"query":"hotel limit London"}' }] },
      { kind: 'text', text: `Up to 250 EUR a night in London ([Travel Policy › Hotels](${TRAVEL_URL})).` },
    );
    const sent = await h.mention({ user: 'U1', channel: CHANNEL, text: 'what is the hotel limit in London?' });
    await h.turnFinished(sent.eventId);

    const [first, second] = h.openai.responsesRequests().map((r) => r.body);
    expect(first.tools.map((t: { name?: string }) => t.name)).toContain('search_knowledge');
    expect(first.instructions).toContain('[Title › Section](url)');
    const [out] = toolOutputs(second);
    expect(out!.out.data.passages[0]).toMatchObject({
      title: 'Travel Policy',
      section: 'Hotels',
      url: TRAVEL_URL,
      source: 'policies',
      approved: false,
      text: expect.stringContaining('250 EUR in London'),
    });
    // The question was embedded to search by meaning too.
    expect(h.openai.embeddingsRequests()).toHaveLength(2);
    expect(thread(CHANNEL)).toContain(`📚 _Sources: [Travel Policy › Hotels](${TRAVEL_URL})`);
  });

  it('keeps answering with BM25 when the OpenAI server has no embeddings', async () => {
    h = await new Harness({ yaml: yaml(), openai: { embeddings: false } }).start();
    const noEmbeddings = (l: Record<string, unknown>) =>
      String(l.msg).startsWith('the OpenAI server has no embeddings');
    await h.waitForLog(noEmbeddings);
    h.openai.enqueue(
      { kind: 'function_calls', calls: [{ name: 'search_knowledge', arguments: '{"query":"lost laptop"}' }] },
      { kind: 'text', text: 'Report it to IT at once (Security Policy › Laptops).' },
    );
    const sent = await h.mention({ user: 'U1', channel: CHANNEL, text: 'I lost my laptop, what now?' });
    await h.turnFinished(sent.eventId);
    const [out] = toolOutputs(h.openai.responsesRequests()[1]!.body);
    expect(out!.out.data.passages[0]).toMatchObject({ title: 'Security Policy', section: 'Laptops' });
    // Said once; the question was not sent to a server known to have no embeddings.
    expect(h.openai.embeddingsRequests()).toHaveLength(1);
    expect(h.parsedLogs().filter(noEmbeddings)).toHaveLength(1);
  });
});

describe('answer_only_from_sources', () => {
  it('says the sources do not have it, names on-call, records the gap and never asks the model', async () => {
    const gaps = new RecordedGaps();
    h = await new Harness({ yaml: yaml(), knowledgeGaps: gaps }).start();
    const sent = await h.mention({ user: 'U1', channel: STRICT, text: 'What is the capital of France?' });
    const done = await h.turnFinished(sent.eventId);
    expect(done).toMatchObject({ outcome: 'answered', reason: 'not_in_sources' });

    const shown = thread(STRICT);
    expect(shown).toContain('I could not find this in the sources I can search');
    expect(shown).toContain('<!subteam^S0ONCALL> <@U7> can help with this one.');
    expect(h.openai.responsesRequests()).toHaveLength(0);
    expect(gaps.gaps).toEqual([
      {
        question: expect.stringContaining('What is the capital of France?'),
        channel: STRICT,
        threadTs: h.slack.messages(STRICT)[0]!.ts,
        reason: 'not_in_sources',
        at: expect.any(Number),
        askedBy: 'U1',
      },
    ]);

    // The exchange is part of the thread: a follow-up builds on it.
    h.openai.enqueue({ kind: 'text', text: 'Still not in the sources.' });
    const root = h.slack.messages(STRICT)[0]!.ts;
    const follow = await h.mention({ user: 'U1', channel: STRICT, thread_ts: root, text: 'and the hotel limit?' });
    await h.turnFinished(follow.eventId);
    const input = JSON.stringify(h.openai.responsesRequests()[0]!.body.input);
    expect(input).toContain('I could not find this in the sources');
  });

  it('answers from the passages found, and only from them, citing them', async () => {
    h = await new Harness({ yaml: yaml() }).start();
    h.openai.enqueue({ kind: 'text', text: `250 EUR a night in London ([Travel Policy › Hotels](${TRAVEL_URL})).` });
    const sent = await h.mention({ user: 'U1', channel: STRICT, text: 'What is the hotel limit in London?' });
    await h.turnFinished(sent.eventId);
    const [request] = h.openai.responsesRequests();
    const asked = JSON.stringify(request!.body.input);
    expect(asked).toContain('only from these passages, never from general knowledge');
    expect(asked).toContain('250 EUR in London');
    expect(asked).toContain(TRAVEL_URL);
    expect(thread(STRICT)).toContain(`📚 _Sources: [Travel Policy › Hotels](${TRAVEL_URL})`);
  });
});
