/** Wrong flags or arguments: exit code 2, like most command-line tools. */
export class UsageError extends Error {
  override name = 'UsageError';
}
