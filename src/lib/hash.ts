import { createHash } from 'node:crypto';

/** Stable pseudonymous id for OpenAI's safety_identifier and for logs: no raw Slack ids leave the process. */
export function hashId(...parts: string[]): string {
  return createHash('sha256').update(parts.join(':')).digest('hex').slice(0, 32);
}
