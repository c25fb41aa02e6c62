import { describe, expect, it } from 'vitest';
import { fileConfigSchema } from '../../../../src/config/file-schema.js';
import { formatUsageReport } from '../../../../src/features/usage/report.js';
import type { UsageReport } from '../../../../src/features/usage/types.js';
import { createTranslators } from '../../../../src/i18n/translators.js';

const limits = (raw: object) => fileConfigSchema.parse({ limits: raw }).limits;
const totals = (input: number, cached: number, output: number, calls: number, usdMicros: number) => ({
  inputTokens: input,
  cachedTokens: cached,
  outputTokens: output,
  calls,
  usdMicros,
});
const report: UsageReport = {
  userToday: totals(1_000, 400, 100, 1, 3_500),
  userMonth: totals(0, 0, 0, 0, 0),
  workspaceMonth: totals(4_000, 1_000, 400, 2, 14_000),
  top: [{ userId: 'U2', tokens: 3_300, usdMicros: 10_500 }],
};
// Fri 4 Dec 2026, 18:00 UTC: six hours to the day's reset.
const now = Date.UTC(2026, 11, 4, 18, 0);
const t = createTranslators();

describe('/threadwise usage', () => {
  it('tells a person with a daily limit what they used and what is left, in English', () => {
    const text = formatUsageReport(
      t.english,
      report,
      limits({ user_daily_tokens: 50_000, workspace_monthly_usd: 100 }),
      {
        channelId: 'C1',
        userId: 'U1',
        now,
      },
    );
    expect(text.split('\n')).toEqual([
      '*Your usage today* (UTC; resets in 6 hours)',
      '• 1,100 tokens (1,000 input of which 400 cached, 100 output) in 1 model call — $0.0035',
      '• Daily limit here: 50,000 tokens — 48,900 left',
      '• This month: nothing yet',
      '',
      '*This workspace in December 2026* (resets in 27 days)',
      '• 4,400 tokens (4,000 input of which 1,000 cached, 400 output) in 2 model calls — $0.01',
      '• Monthly budget: $100.00 — $99.99 left',
    ]);
  });

  it('writes the report of a German admin in German, with the top users', () => {
    const text = formatUsageReport(t.forLocale('de-DE'), report, limits({ admins: ['U1'] }), {
      channelId: 'C1',
      userId: 'U1',
      now,
    });
    expect(text).toContain('*Deine Nutzung heute* (UTC; wird zurückgesetzt in 6 Stunden)');
    expect(text).toContain('• Du bist Admin: Für dich gelten keine Kontingente.');
    expect(text).toContain('*Dieser Workspace im Dezember 2026*');
    expect(text).toContain('in 2 Modellaufrufen');
    expect(text).toContain('*Aktivste Nutzer in diesem Monat*\n1. <@U2> — 3.300 Tokens, 0,01');
    expect(text).not.toMatch(/Your usage|tokens \(|model call/);
  });
});
