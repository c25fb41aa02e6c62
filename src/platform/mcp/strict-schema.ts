import { strictnessProblem, strip } from '../tools/json-schema.js';

type Schema = Record<string, unknown>;
const isObj = (v: unknown): v is Schema => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

/** Refused with a reason: strict mode has no way to say it. */
class NotStrict extends Error {}

/** Optional in the server's schema becomes required-but-nullable: strict mode wants every property required. */
function nullable(schema: Schema): Schema {
  const t = schema.type;
  if (typeof t === 'string') return t === 'null' ? schema : { ...schema, type: [t, 'null'] };
  if (Array.isArray(t)) return t.includes('null') ? schema : { ...schema, type: [...t, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

function convert(node: unknown, path: string): unknown {
  if (!isObj(node)) return node;
  for (const k of ['$ref', 'allOf', 'not', 'patternProperties', 'if', 'dependentSchemas'])
    if (k in node) throw new NotStrict(`${path} uses ${k}`);
  const out: Schema = { ...node };
  if ('oneOf' in out) {
    // Strict mode knows anyOf only; for arguments the model writes, "one of" and "any of" ask the same.
    out.anyOf = out.oneOf;
    delete out.oneOf;
  }
  if (Array.isArray(out.anyOf)) out.anyOf = out.anyOf.map((c, i) => convert(c, `${path}.anyOf[${i}]`));
  if (out.items !== undefined) out.items = convert(out.items, `${path}.items`);
  const isObject = out.type === 'object' || (Array.isArray(out.type) && out.type.includes('object'));
  if (isObject || isObj(out.properties)) {
    if (isObj(out.additionalProperties) && Object.keys(out.additionalProperties).length)
      throw new NotStrict(`${path} is a map with free-form keys`);
    const props = isObj(out.properties) ? out.properties : undefined;
    if (!props && out.additionalProperties !== false) throw new NotStrict(`${path} takes any properties`);
    const required = new Set(Array.isArray(out.required) ? (out.required as string[]) : []);
    out.properties = Object.fromEntries(
      Object.entries(props ?? {}).map(([k, v]) => {
        const child = convert(v, `${path}.${k}`);
        return [k, required.has(k) || !isObj(child) ? child : nullable(child)];
      }),
    );
    out.required = Object.keys(props ?? {});
    out.additionalProperties = false;
  }
  return out;
}

export type StrictResult = { strict: true; schema: Schema } | { strict: false; schema: Schema; problem: string };

/**
 * An MCP tool's input schema as a strict function schema: optional properties become required and nullable, extra
 * properties are closed, keywords strict mode refuses are dropped. When that is impossible (free-form maps, $ref,
 * allOf…) the server's own schema is offered non-strict, with the reason to log.
 */
export function toStrictToolSchema(input: unknown): StrictResult {
  const original: Schema = isObj(input) ? input : { type: 'object', properties: {} };
  const base: Schema = { ...original, type: 'object', properties: original.properties ?? {} };
  try {
    const schema = strip(convert(base, '(root)')) as Schema;
    const problem = strictnessProblem(schema);
    if (problem) return { strict: false, schema: base, problem };
    return { strict: true, schema };
  } catch (err) {
    if (!(err instanceof NotStrict)) throw err;
    return { strict: false, schema: strip(base) as Schema, problem: err.message };
  }
}

/**
 * Arguments as the server expects them: the nulls the model had to send for optional properties it left empty are
 * removed again (only where the server's schema did not itself allow null).
 */
export function withoutAddedNulls(value: unknown, schema: unknown): unknown {
  if (!isObj(value) || !isObj(schema) || !isObj(schema.properties)) return value;
  const props = schema.properties;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return Object.fromEntries(
    Object.entries(value).flatMap(([k, v]) => {
      const sub = props[k];
      const allowsNull = isObj(sub) && (sub.type === 'null' || (Array.isArray(sub.type) && sub.type.includes('null')));
      if (v === null && !required.has(k) && !allowsNull) return [];
      return [
        [k, Array.isArray(v) && isObj(sub) ? v.map((x) => withoutAddedNulls(x, sub.items)) : withoutAddedNulls(v, sub)],
      ];
    }),
  );
}
