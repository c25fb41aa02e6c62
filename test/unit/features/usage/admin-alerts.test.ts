import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SlackAdminAlerts } from '../../../../src/features/usage/admin-alerts.js';
import { MemoryAlertLedger, RedisAlertLedger } from '../../../../src/features/usage/alert-ledger.js';
import type { SlackWorkspaces, Workspace } from '../../../../src/platform/slack/workspaces.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { testRedis } from '../../../support/test-redis.js';
import { en, translators } from '../../../support/translators.js';

const log = pino({ level: 'silent' });
const db = testRedis();
/** Every admin's Slack is in English unless a test says otherwise. */
const english = { of: async () => en };
const ALERT = { problem: 'openai_insufficient_quota', teamId: 'T1', requestId: 'req_1' } as const;

/** A bot whose DMs are recorded; `unreachable` users fail like Slack's user_not_found. */
function fakeSlack(unreachable: string[] = []) {
  const sent: Array<{ channel: string; text: string }> = [];
  const client = {
    conversations: {
      open: async ({ users }: { users: string }) => {
        if (unreachable.includes(users)) throw new Error('An API error occurred: user_not_found');
        return { ok: true, channel: { id: `D${users}` } };
      },
    },
    chat: { postMessage: async (m: { channel: string; text: string }) => void sent.push(m) },
  };
  const workspaces: SlackWorkspaces = { forTeam: async () => ({ client }) as unknown as Workspace };
  return { workspaces, sent };
}

describe('alerting admins', () => {
  afterEach(() => vi.useRealTimers());

  it('sends one DM per admin however many replicas see the problem at once (SET NX EX in Redis)', async () => {
    const slack = fakeSlack();
    const replicas = [db.connect(), db.connect()].map(
      (r) =>
        new SlackAdminAlerts(
          async () => ['UA', 'UB'],
          slack.workspaces,
          new RedisAlertLedger(r, storeKeys(db.prefix)),
          english,
          log,
        ),
    );
    const told = await Promise.all(Array.from({ length: 10 }, (_, i) => replicas[i % 2]!.raise(ALERT)));
    expect(slack.sent.map((m) => m.channel).sort()).toEqual(['DUA', 'DUB']);
    expect(slack.sent[0]!.text).toContain('req_1');
    // The winner knows it was delivered; the others say so only if it already was when they asked.
    expect(told.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect(await replicas[1]!.raise(ALERT)).toBe(true);
    expect(slack.sent).toHaveLength(2);
  });

  it('tells the admins again after an hour, not before', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 7, 21, 10) });
    const slack = fakeSlack();
    const alerts = new SlackAdminAlerts(
      async () => ['UA'],
      slack.workspaces,
      new MemoryAlertLedger(storeKeys('m:'), () => Date.now()),
      english,
      log,
    );
    expect(await alerts.raise(ALERT)).toBe(true);
    vi.advanceTimersByTime(59 * 60_000);
    expect(await alerts.raise(ALERT)).toBe(true);
    expect(slack.sent).toHaveLength(1);
    vi.advanceTimersByTime(2 * 60_000);
    expect(await alerts.raise(ALERT)).toBe(true);
    expect(slack.sent).toHaveLength(2);
  });

  it("shows OpenAI's request id as text: it cannot ping or link anyone", async () => {
    const slack = fakeSlack();
    const alerts = new SlackAdminAlerts(
      async () => ['UA'],
      slack.workspaces,
      new MemoryAlertLedger(storeKeys('m:')),
      english,
      log,
    );
    await alerts.raise({ ...ALERT, requestId: 'req_<!channel>' });
    expect(slack.sent[0]!.text).toContain('req_&lt;!channel&gt;');
    expect(slack.sent[0]!.text).not.toContain('<!channel>');
  });

  it('writes each admin the alert in their own Slack language', async () => {
    const slack = fakeSlack();
    const languages = {
      of: async (_team: string, user: string) => translators.forLocale(user === 'UJA' ? 'ja-JP' : 'de-DE'),
    };
    const ledger = new MemoryAlertLedger(storeKeys('l:'));
    const alerts = new SlackAdminAlerts(async () => ['UJA', 'UDE'], slack.workspaces, ledger, languages, log);
    const alert = { problem: 'model_shutdown', teamId: 'T1', model: 'gpt-4o', shutdownDate: '2027-01-14' } as const;
    await alerts.raise({ ...alert, days: 30, threshold: 30 });
    const to = (channel: string) => slack.sent.find((m) => m.channel === channel)!.text;
    expect(to('DUJA')).toContain(
      '*`gpt-4o` は 2027-01-14 に提供終了します* — OpenAI の Models API によると、あと 30 日です。',
    );
    expect(to('DUJA')).toContain('7、1 日前にもう一度お知らせします');
    expect(to('DUDE')).toContain('*`gpt-4o` wird am 2027-01-14 abgeschaltet* — in 30 Tagen');
    expect(to('DUDE')).toContain('du hörst noch einmal davon 7 und 1 Tage vorher');
  });

  it('claims nothing when no admin is configured or none could be reached, and tries again next time', async () => {
    const none = fakeSlack();
    expect(
      await new SlackAdminAlerts(
        async () => [],
        none.workspaces,
        new MemoryAlertLedger(storeKeys('n:')),
        english,
        log,
      ).raise(ALERT),
    ).toBe(false);
    const gone = fakeSlack(['UGONE']);
    const ledger = new MemoryAlertLedger(storeKeys('g:'));
    const alerts = new SlackAdminAlerts(async () => ['UGONE'], gone.workspaces, ledger, english, log);
    expect(await alerts.raise(ALERT)).toBe(false);
    expect(await ledger.claim('T1', ALERT.problem, 60)).toBe('claimed');
  });
});
