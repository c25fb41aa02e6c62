import { hashId } from '../../lib/hash.js';

/**
 * Usage counters and holds are keyed by this one-way hash, not by the Slack id: they hold only numbers and
 * outlive `forget-me`, so the limit still applies to someone who deleted their data.
 */
export const usageUserKey = (teamId: string, userId: string): string => hashId('usage-user', teamId, userId);
