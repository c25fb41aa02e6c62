import { describe, expect, it } from 'vitest';
import { type FileConfig, fileConfigSchema } from '../../../../src/config/file-schema.js';
import { storeOptionsFrom } from '../../../../src/platform/store/index.js';

const thread = (channel: string) => ({ teamId: 'T1', channel, threadTs: '1700000000.000100' });

describe('store options from the settings', () => {
  it("keeps a thread as long as its channel's state.channels override says, else state.ttl_days", () => {
    const file = fileConfigSchema.parse({ state: { ttl_days: 7, channels: { C0SHORT: { ttl_days: 1 } } } });
    const { threadTtlSeconds } = storeOptionsFrom(() => file);
    expect(typeof threadTtlSeconds === 'function' && threadTtlSeconds(thread('C0SHORT'))).toBe(86_400);
    expect(typeof threadTtlSeconds === 'function' && threadTtlSeconds(thread('C0OTHER'))).toBe(7 * 86_400);
  });

  it('applies a reloaded audit retention and thread lifetime at once, the key prefix as at start', () => {
    let current: FileConfig = fileConfigSchema.parse({ state: { key_prefix: 'tw:' }, audit: { retention_days: 30 } });
    const opts = storeOptionsFrom(() => current);
    current = fileConfigSchema.parse({ state: { key_prefix: 'other:', ttl_days: 2 }, audit: { retention_days: 5 } });
    expect(opts.auditRetentionMs()).toBe(5 * 86_400_000);
    expect(typeof opts.threadTtlSeconds === 'function' && opts.threadTtlSeconds(thread('C1'))).toBe(2 * 86_400);
    expect(opts.keyPrefix).toBe('tw:');
  });
});
