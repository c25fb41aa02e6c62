import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { storeKeys } from '../../src/platform/store/keys.js';
import { appHomeOpened } from '../fakes/slack-events.js';
import { pdfWith } from '../support/document-fixtures.js';
import { MemoryKnowledgeIndex } from '../support/memory-knowledge-index.js';
import { policyFolder } from '../support/policy-folder.js';
import { Harness, REDIS_URL } from './harness.js';
import { toolOutputs } from './tool-setup.js';

const running: Harness[] = [];
let site: Server | undefined;
afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.stop()));
  await new Promise((r) => (site ? site.close(r) : r(undefined)));
  site = undefined;
});

/** A website whose server fails every request (robots.txt included) with 500. */
async function brokenSite(): Promise<string> {
  site = createServer((_req, res) => res.writeHead(500).end('internal error'));
  await new Promise<void>((r) => site!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(site.address() as AddressInfo).port}/sitemap.xml`;
}

async function folders() {
  return {
    policies: policyFolder({ 'travel.md': '---\ntitle: Travel Policy\n---\n# Travel\n\nBook economy class.\n' }),
    handbook: policyFolder({ 'per-diem.pdf': await pdfWith('Per Diem', ['Meals are paid at 50 EUR a day.']) }),
  };
}

const yamlFor = (o: { policies: string; handbook: string; website?: string }) =>
  [
    'limits:',
    '  admins: [U1]',
    'policies:',
    `  dir: ${JSON.stringify(o.policies)}`,
    'knowledge:',
    '  sources:',
    '    - name: handbook',
    '      kind: folder',
    `      dir: ${JSON.stringify(o.handbook)}`,
    ...(o.website ? ['    - name: help-center', '      kind: website', `      url: ${o.website}`] : []),
  ].join('\n');

async function started(h: Harness): Promise<Harness> {
  running.push(h);
  return h.start();
}

describe('knowledge sync', () => {
  it('syncs every source at start; a broken one shows in /readyz details and on App Home while the others serve', async () => {
    const dirs = await folders();
    const index = new MemoryKnowledgeIndex();
    const h = new Harness({ yaml: yamlFor({ ...dirs, website: await brokenSite() }), knowledgeIndex: index });
    const synced = (source: string, msg: string) => h.waitForLog((l) => l.source === source && l.msg === msg);
    await started(h);
    await Promise.all([
      synced('policies', 'knowledge sync finished'),
      synced('handbook', 'knowledge sync finished'),
      synced('help-center', 'knowledge sync failed; the last good index keeps serving'),
    ]);

    const res = await fetch(`http://127.0.0.1:${h.port}/readyz`);
    expect(res.status).toBe(200);
    const ready = (await res.json()) as { ok: boolean; details?: Record<string, string> };
    expect(ready.ok).toBe(true);
    expect(ready.details?.knowledge).toBe(
      'help-center: latest sync failed (robots.txt could not be read: answered HTTP 500); serving its last good index',
    );
    // The others serve: policies.dir as the source "policies", the PDF of the folder source.
    expect((await index.search('economy', { limit: 3 }))[0]).toMatchObject({
      source: 'policies',
      title: 'Travel Policy',
    });
    expect((await index.search('meals', { limit: 3 }))[0]).toMatchObject({ source: 'handbook', title: 'Per Diem' });

    await h.send(appHomeOpened({ user: 'U1', channel: 'D01', tab: 'home' }));
    await h.until(() => h.slack.publishedHome('U1') !== undefined, 'the admin home tab');
    const home = JSON.stringify(h.slack.publishedHome('U1'));
    expect(home).toContain('Knowledge sources');
    expect(home).toContain('`handbook`: 1 document, last synced');
    expect(home).toContain('⚠️ latest sync failed');
    await h.send(appHomeOpened({ user: 'U2', channel: 'D02', tab: 'home' }));
    await h.until(() => h.slack.publishedHome('U2') !== undefined, 'the home tab of someone else');
    expect(JSON.stringify(h.slack.publishedHome('U2'))).not.toContain('Knowledge sources');
  });

  it('/threadwise sync: admins get the counts of what changed; anyone else is refused and nothing syncs', async () => {
    const dirs = await folders();
    const index = new MemoryKnowledgeIndex();
    const h = new Harness({ yaml: yamlFor(dirs), knowledgeIndex: index });
    await started(h);
    await h.waitForLog((l) => l.source === 'handbook' && l.msg === 'knowledge sync finished');
    await h.waitForLog((l) => l.source === 'policies' && l.msg === 'knowledge sync finished');
    const applied = index.applied.length;

    const refused = await h.slash('sync', { user: 'U2' });
    expect(refused.json).toEqual({
      response_type: 'ephemeral',
      text: 'Only Threadwise admins (`limits.admins`) can sync the knowledge sources.',
    });

    writeFileSync(join(dirs.policies, 'expenses.md'), '# Expenses\n\nReceipts within 30 days.\n');
    const asked = await h.slash('sync policies', { user: 'U1' });
    expect(asked.json.text).toBe('Syncing policies… I’ll tell you here what changed.');
    await h.waitForLog((l) => l.msg === 'knowledge sync reported');
    expect(h.slack.hookMessages.map((m) => m.body.text)).toEqual([
      '✅ `policies`: 1 document new or changed, 0 removed, 2 documents in all.',
    ]);
    // Only the admin's sync reached the index, and only the new file was sent.
    expect(index.applied.slice(applied).map((a) => [a.source, a.changes.upserts.map((d) => d.id)])).toEqual([
      ['policies', ['expenses.md']],
    ]);
    expect((await h.slash('sync wiki', { user: 'U1' })).json.text).toBe(
      'I have no source called `wiki`. The sources are: policies, handbook.',
    );
  });

  it('speaks each admin’s language: /threadwise sync and its follow-up in Japanese or German, App Home too', async () => {
    const dirs = await folders();
    const yaml = yamlFor({ ...dirs, website: await brokenSite() }).replace('admins: [U1]', 'admins: [U1, U3]');
    const h = new Harness({ yaml, knowledgeIndex: new MemoryKnowledgeIndex() });
    h.slack.addUser('U1', { name: 'yui', real_name: 'Yui Tanaka', display_name: 'Yui', locale: 'ja-JP' });
    h.slack.addUser('U3', { name: 'jonas', real_name: 'Jonas Weber', display_name: 'Jonas', locale: 'de-DE' });
    await started(h);
    await h.waitForLog((l) => l.source === 'policies' && l.msg === 'knowledge sync finished');
    await h.waitForLog(
      (l) => l.source === 'help-center' && l.msg === 'knowledge sync failed; the last good index keeps serving',
    );

    writeFileSync(join(dirs.policies, 'expenses.md'), '# Expenses\n\nReceipts within 30 days.\n');
    const asked = await h.slash('sync policies', { user: 'U1' });
    expect(asked.json.text).toBe('policies を同期しています… 変更内容はここでお知らせします。');
    await h.waitForLog((l) => l.msg === 'knowledge sync reported');
    expect(h.slack.hookMessages.at(-1)!.body.text).toBe(
      '✅ `policies`：新規・変更 1 件、削除 0 件、合計 2 件のドキュメント。',
    );
    const reported = h.slack.hookMessages.length;
    expect((await h.slash('sync policies', { user: 'U3' })).json.text).toBe(
      'Synchronisiere policies… Ich sage dir hier, was sich geändert hat.',
    );
    await h.until(() => h.slack.hookMessages.length > reported, 'the German follow-up');
    expect(h.slack.hookMessages.at(-1)!.body.text).toBe(
      '✅ `policies`: 0 Dokumente neu oder geändert, 0 entfernt, insgesamt 2 Dokumente.',
    );

    await h.send(appHomeOpened({ user: 'U1', channel: 'D01', tab: 'home' }));
    await h.until(() => h.slack.publishedHome('U1') !== undefined, 'the Japanese admin’s home tab');
    const home = JSON.stringify(h.slack.publishedHome('U1'));
    expect(home).toContain('ナレッジソース');
    expect(home).toContain('• `handbook`: 1 件のドキュメント、最終同期 ');
    expect(home).toContain('⚠️ 直近の同期に失敗しました');
    expect(home).not.toContain('Knowledge sources');
    await h.send(appHomeOpened({ user: 'U3', channel: 'D03', tab: 'home' }));
    await h.until(() => h.slack.publishedHome('U3') !== undefined, 'the German admin’s home tab');
    const german = JSON.stringify(h.slack.publishedHome('U3'));
    expect(german).toContain('Wissensquellen');
    expect(german).toContain('• `help-center`: 0 Dokumente, nie synchronisiert');
    expect(german).toContain('Jetzt synchronisieren mit `/threadwise sync [name]`.');
  });

  it('two replicas register the repeating sync once, and a source synced by one is not synced again by the other', async () => {
    const dirs = await folders();
    const index = new MemoryKnowledgeIndex();
    const first = await started(new Harness({ yaml: yamlFor(dirs), knowledgeIndex: index }));
    await first.waitForLog((l) => l.source === 'handbook' && l.msg === 'knowledge sync finished');
    await first.waitForLog((l) => l.source === 'policies' && l.msg === 'knowledge sync finished');
    const second = await started(new Harness({ yaml: yamlFor(dirs), knowledgeIndex: index, prefix: first.prefix }));
    const tick = await second.waitForLog((l) => l.msg === 'knowledge sync tick');
    expect(tick.due).toEqual([]);

    const keys = storeKeys(first.prefix);
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(keys.knowledgeSyncQueue, { connection, prefix: keys.bull });
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => ({ id: s.id ?? s.key, every: s.every }))).toEqual([
        { id: 'knowledge-sync-tick', every: 60_000 },
      ]);
    } finally {
      await queue.close();
      await connection.quit();
    }
    expect(
      [...first.parsedLogs(), ...second.parsedLogs()].filter((l) => l.msg === 'knowledge sync started'),
    ).toHaveLength(2);
  });

  it('answers on a replica from a source another replica synced, each with its own index', async () => {
    const dirs = await folders();
    const first = await started(new Harness({ yaml: yamlFor(dirs) }));
    await first.waitForLog((l) => l.source === 'handbook' && l.msg === 'knowledge sync finished');
    const second = await started(new Harness({ yaml: yamlFor(dirs), prefix: first.prefix }));
    const tick = await second.waitForLog((l) => l.msg === 'knowledge sync tick');
    expect(tick.due).toEqual([]);
    // The turn queue is shared too: with the first replica gone, the question is surely answered by the second.
    running.splice(running.indexOf(first), 1);
    await first.stop();

    second.openai.enqueue(
      { kind: 'function_calls', calls: [{ name: 'search_knowledge', arguments: '{"query":"meals per diem"}' }] },
      { kind: 'text', text: 'Meals are paid at 50 EUR a day (Per Diem).' },
    );
    const sent = await second.mention({ user: 'U2', channel: 'C0KNOW2', text: 'how much is the per diem for meals?' });
    await second.turnFinished(sent.eventId);
    const [out] = toolOutputs(second.openai.responsesRequests()[1]!.body);
    expect(out!.out.data.passages[0]).toMatchObject({
      source: 'handbook',
      title: 'Per Diem',
      text: expect.stringContaining('50 EUR a day'),
    });
    expect(second.parsedLogs().filter((l) => l.msg === 'knowledge sync started')).toEqual([]);
  });
});
