import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseStored } from '../../../src/lib/stored-json.js';

const schema = z.object({ id: z.string() });

describe('reading back what we stored', () => {
  it('gives the value when it still has the expected shape', () => {
    expect(parseStored(schema, '{"id":"A1"}')).toEqual({ id: 'A1' });
  });

  it('treats a missing, half-written or outdated value as absent instead of failing', () => {
    expect(parseStored(schema, null)).toBeUndefined();
    expect(parseStored(schema, '')).toBeUndefined();
    expect(parseStored(schema, '{"id":')).toBeUndefined();
    expect(parseStored(schema, '{"name":"old layout"}')).toBeUndefined();
  });
});
