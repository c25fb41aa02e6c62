import type { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Threadwise cannot start; fix these settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** One line per problem, naming the setting and the fix, never echoing the (possibly secret) value. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string[] {
  return issues.map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : '(root)';
    // A bad record key (a channel id, say) carries the useful message one level down.
    const inner = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
    return `${prefix}${where} ${inner ? `is not a valid key: ${inner}` : issue.message}`;
  });
}
