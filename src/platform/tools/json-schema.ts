import { z } from 'zod';

/** Keywords OpenAI's strict mode does not accept; zod still enforces them server-side. */
const UNSUPPORTED = new Set(['$schema', 'minLength', 'maxLength', 'default']);

/** Drops the keywords strict mode refuses (the server behind the tool still checks them). */
export function strip(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strip);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k]) => !UNSUPPORTED.has(k))
      .map(([k, v]) => [k, strip(v)]),
  );
}

/** Why a schema would be refused in strict mode (every property required, no extra properties), or null. */
export function strictnessProblem(schema: unknown, path = '(root)'): string | null {
  if (!schema || typeof schema !== 'object') return null;
  const s = schema as Record<string, unknown>;
  if (s.type === 'object') {
    const props = (s.properties ?? {}) as Record<string, unknown>;
    if (s.additionalProperties !== false) return `${path} allows additional properties`;
    const required = Array.isArray(s.required) ? s.required : [];
    const missing = Object.keys(props).find((k) => !required.includes(k));
    if (missing) return `${path}.${missing} is not required (make optional fields nullable instead)`;
    for (const [k, v] of Object.entries(props)) {
      const p = strictnessProblem(v, `${path}.${k}`);
      if (p) return p;
    }
  }
  for (const key of ['items', 'anyOf'] as const) {
    const children = ([] as unknown[]).concat(s[key] ?? []);
    for (const child of children) {
      const p = strictnessProblem(child, `${path}.${key}`);
      if (p) return p;
    }
  }
  return null;
}

/** A zod object as the strict JSON schema of a function tool; throws if it cannot be strict. */
export function toStrictJsonSchema(schema: z.ZodObject): Record<string, unknown> {
  const json = strip(z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' })) as Record<string, unknown>;
  const problem = strictnessProblem(json);
  if (problem) throw new Error(`tool schema is not strict: ${problem}`);
  return json;
}
