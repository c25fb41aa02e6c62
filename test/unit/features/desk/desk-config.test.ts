import { describe, expect, it } from 'vitest';
import { fileConfigSchema } from '../../../../src/config/file-schema.js';

describe('channels.<C>.desk settings', () => {
  it('takes auto_answer, min_confidence, oncall and sla_minutes (fractions allowed), with defaults', () => {
    const file = fileConfigSchema.parse({
      channels: { C0HELP: { desk: { oncall: ['S0ONCALL', 'U0LEAD'], sla_minutes: 0.05 } }, C0OTHER: {} },
    });
    expect(file.channels.C0HELP!.desk).toEqual({
      auto_answer: true,
      min_confidence: 0.7,
      oncall: ['S0ONCALL', 'U0LEAD'],
      sla_minutes: 0.05,
      auto_answers_per_hour: 30,
    });
    expect(file.channels.C0OTHER!.desk).toBeUndefined();
  });

  it('names the field when a value is wrong, and refuses unknown desk keys', () => {
    const bad = fileConfigSchema.safeParse({
      channels: { C0HELP: { desk: { min_confidence: 1.5, oncall: ['#oncall'], sla_minute: 3 } } },
    });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining([
        'channels.C0HELP.desk.min_confidence',
        'channels.C0HELP.desk.oncall.0',
        'channels.C0HELP.desk',
      ]),
    );
  });
});
