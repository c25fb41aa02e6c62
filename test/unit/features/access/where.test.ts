import { describe, expect, it } from 'vitest';
import { accessSchema } from '../../../../src/config/tools-schema.js';
import { channelAdmission, needsFacts } from '../../../../src/features/access/where.js';

const pub = { isPrivate: false, isExternal: false };
const priv = { isPrivate: true, isExternal: false };
const connect = { isPrivate: false, isExternal: true };

describe('where the bot may speak', () => {
  it('speaks everywhere it is invited when allowed_channels is unset, and in DMs unless dms: false', () => {
    const open = accessSchema.parse({});
    expect(channelAdmission(open, 'C1', false, undefined)).toEqual({ ok: true });
    expect(channelAdmission(open, 'D1', true, undefined)).toEqual({ ok: true });
    expect(needsFacts(open, 'C1', false)).toBe(false);
    expect(channelAdmission(accessSchema.parse({ dms: false }), 'D1', true, undefined)).toEqual({
      ok: false,
      rule: 'access.dms',
    });
  });

  it('serves listed channels, public ones with public: true, and never Slack Connect ones with shared: false', () => {
    const listed = accessSchema.parse({ allowed_channels: { ids: ['C1'] } });
    expect(channelAdmission(listed, 'C1', false, undefined)).toEqual({ ok: true });
    expect(channelAdmission(listed, 'C2', false, pub)).toEqual({ ok: false, rule: 'access.allowed_channels' });
    expect(needsFacts(listed, 'C2', false)).toBe(false);

    const publicToo = accessSchema.parse({ allowed_channels: { ids: ['C1'], public: true } });
    expect(needsFacts(publicToo, 'C1', false)).toBe(false);
    expect(needsFacts(publicToo, 'C2', false)).toBe(true);
    expect(channelAdmission(publicToo, 'C2', false, pub)).toEqual({ ok: true });
    expect(channelAdmission(publicToo, 'C3', false, priv)).toEqual({ ok: false, rule: 'access.allowed_channels' });

    const noShared = accessSchema.parse({ allowed_channels: { ids: ['C1'], public: true, shared: false } });
    expect(needsFacts(noShared, 'C1', false)).toBe(true);
    expect(channelAdmission(noShared, 'C1', false, connect)).toEqual({
      ok: false,
      rule: 'access.allowed_channels.shared',
    });
    expect(channelAdmission(noShared, 'C1', false, pub)).toEqual({ ok: true });
  });

  it('refuses unknown keys and channel ids that are not ids', () => {
    expect(accessSchema.safeParse({ allowed_channels: { ids: ['general'] } }).success).toBe(false);
    expect(accessSchema.safeParse({ allowed_channels: { private: true } }).success).toBe(false);
    expect(accessSchema.safeParse({ agents: ['@support', 'S0ABC', 'U1'] }).success).toBe(true);
    expect(accessSchema.safeParse({ agents: ['support'] }).success).toBe(false);
  });
});
