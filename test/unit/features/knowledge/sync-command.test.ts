import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { SyncOutcome } from '../../../../src/features/knowledge/sync/engine.js';
import { syncSubcommand } from '../../../../src/features/knowledge/sync/sync-command.js';
import { createTranslators } from '../../../../src/i18n/translators.js';

const outcomes: Record<string, SyncOutcome> = {
  policies: {
    source: 'policies',
    result: 'synced',
    upserted: 2,
    deleted: 1,
    documents: 9,
    problems: [],
    problemCount: 0,
  },
  help: { source: 'help', result: 'failed', error: 'robots.txt could not be read: answered HTTP 503' },
  docs: {
    source: 'docs',
    result: 'synced',
    upserted: 1,
    deleted: 0,
    documents: 1,
    problems: [{ id: 'scan.pdf', message: 'the PDF has no text layer (a scan?)' }],
    problemCount: 1,
  },
};

function command(admin: boolean, locale = 'en-US') {
  const synced: string[] = [];
  const sub = syncSubcommand({
    engine: {
      names: () => Object.keys(outcomes),
      sync: async (n) => {
        synced.push(n);
        return outcomes[n];
      },
    },
    admins: { includes: async () => admin },
    log: pino({ level: 'silent' }),
  });
  const later: string[] = [];
  let told!: () => void;
  const reported = new Promise<void>((r) => {
    told = r;
  });
  const run = (args: string[]) =>
    sub.run({
      teamId: 'T1',
      userId: 'U1',
      channelId: 'C1',
      args,
      rest: args.join(' '),
      t: createTranslators().forLocale(locale),
      followUp: async (text) => {
        later.push(text);
        told();
      },
    });
  return { run, synced, later, reported };
}

describe('/threadwise sync', () => {
  it('refuses people who are not admins, and syncs nothing', async () => {
    const c = command(false);
    expect(await c.run([])).toBe('Only Threadwise admins (`limits.admins`) can sync the knowledge sources.');
    expect(c.synced).toEqual([]);
  });

  it('syncs every source and follows up with what changed or why it failed', async () => {
    const c = command(true);
    expect(await c.run([])).toBe('Syncing policies, help, docs… I’ll tell you here what changed.');
    await c.reported;
    expect(c.later).toEqual([
      [
        '✅ `policies`: 2 documents new or changed, 1 removed, 9 documents in all.',
        '⚠️ `help` failed (robots.txt could not be read: answered HTTP 503); its last good index keeps serving.',
        '✅ `docs`: 1 document new or changed, 0 removed, 1 document in all.\n    1 document could not be read: `scan.pdf` (the PDF has no text layer (a scan?)).',
      ].join('\n'),
    ]);
  });

  it('syncs only the named source, and names the sources when asked for one that does not exist', async () => {
    const c = command(true);
    expect(await c.run(['nope'])).toBe('I have no source called `nope`. The sources are: policies, help, docs.');
    await c.run(['help']);
    await c.reported;
    expect(c.synced).toEqual(['help']);
  });

  it('answers an admin whose Slack is in Japanese in Japanese, and a refused German in German', async () => {
    const ja = command(true, 'ja-JP');
    expect(await ja.run(['nope'])).toBe(
      '`nope` というソースはありません。ソースは次のとおりです：policies、help、docs。',
    );
    expect(await ja.run(['help'])).toBe('help を同期しています… 変更内容はここでお知らせします。');
    const de = command(false, 'de-DE');
    expect(await de.run([])).toBe('Nur Threadwise-Admins (`limits.admins`) können die Wissensquellen synchronisieren.');
  });
});
