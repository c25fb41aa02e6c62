import type { z } from 'zod';

/**
 * A JSON value we stored earlier (Redis, a file), read back: undefined when it is absent, not JSON or not the
 * shape `schema` expects. Stored data outlives the code that wrote it (an upgrade, a half-written value), so a
 * stale entry is treated as missing rather than crashing the handler that reads it.
 */
export function parseStored<T>(schema: z.ZodType<T>, raw: string | null | undefined): T | undefined {
  if (!raw) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
