import { z } from 'zod';
import { envSchema, secretEnvKeys } from './env.js';
import { fileConfigSchema } from './file-schema.js';

/** The subset of JSON Schema that zod emits for our schemas and that the tables need. */
interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
}

interface Row {
  key: string;
  type: string;
  default: string;
  description: string;
}

const toJson = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string) => `\`${text}\``;

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => code(JSON.stringify(v))).join(' | ');
  if (s.const !== undefined) return code(JSON.stringify(s.const));
  const union = s.anyOf ?? s.oneOf;
  if (union) return [...new Set(union.map(typeOf))].join(' or ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'values'}`;
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') return 'map';
  const base = Array.isArray(s.type) ? s.type.join(' or ') : (s.type ?? 'any');
  return s.format === 'uri' ? 'URL' : base;
}

/** Bounds as the schema has them: whole numbers exactly; a fraction such as 1/24 shown as an approximation. */
const num = (n: number) => {
  const short = Number(n.toPrecision(4));
  return Number.isInteger(n) || short === n ? String(n) : `≈${short}`;
};

function constraints(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.minimum !== undefined && s.maximum !== undefined) parts.push(`${num(s.minimum)} to ${num(s.maximum)}`);
  else if (s.minimum !== undefined) parts.push(`≥ ${num(s.minimum)}`);
  else if (s.exclusiveMinimum !== undefined) parts.push(`> ${num(s.exclusiveMinimum)}`);
  else if (s.maximum !== undefined) parts.push(`≤ ${num(s.maximum)}`);
  if (s.pattern) parts.push(`matches ${code(s.pattern)}`);
  if (s.type === 'array' && s.items?.pattern) parts.push(`items match ${code(s.items.pattern)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

const defaultOf = (s: JsonSchema) =>
  s.default === undefined || (typeof s.default === 'object' && s.default !== null && !Array.isArray(s.default))
    ? ''
    : code(JSON.stringify(s.default));

/**
 * Flattens an object schema into one row per setting, with dotted keys. Nested objects become their own rows'
 * prefix; a map (record) is shown as `<key>` and its value's settings follow under that placeholder.
 */
function rows(schema: JsonSchema, prefix = '', out: Row[] = []): Row[] {
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const key = `${prefix}${name}`;
    if (prop.properties) {
      rows(prop, `${key}.`, out);
      continue;
    }
    const value = prop.additionalProperties;
    if (prop.type === 'object' && value && typeof value === 'object') {
      const placeholder = prop.propertyNames?.pattern ? `<${name.replace(/s$/, '')} id>` : '<name>';
      out.push({
        key,
        type: 'map',
        default: '',
        description: `${prop.description ?? ''}${prop.propertyNames?.pattern ? ` Keys match ${code(prop.propertyNames.pattern)}.` : ''}`,
      });
      rows(value, `${key}.${placeholder}.`, out);
      continue;
    }
    out.push({
      key,
      type: `${typeOf(prop)}${constraints(prop)}`,
      default: defaultOf(prop),
      description: prop.description ?? '',
    });
    // A list of tagged objects (knowledge.sources): each variant's settings follow under `key[kind: value]`.
    for (const variant of prop.type === 'array' ? (prop.items?.anyOf ?? prop.items?.oneOf ?? []) : []) {
      const tag = Object.entries(variant.properties ?? {}).find(([, p]) => p.const !== undefined);
      if (!tag) continue;
      const [tagName, tagSchema] = tag;
      const { [tagName]: _, ...rest } = variant.properties ?? {};
      rows({ properties: rest }, `${key}[${tagName}: ${String(tagSchema.const)}].`, out);
    }
  }
  return out;
}

function table(header: string[], body: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...body.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** docs/configuration.md, generated from the zod schemas so that it cannot drift from what the code accepts. */
export function configurationMarkdown(): string {
  const env = toJson(envSchema);
  const required = new Set(env.required ?? []);
  const secrets = new Set<string>(secretEnvKeys);
  const envRows = Object.entries(env.properties ?? {}).map(([name, s]) => [
    code(name),
    `${typeOf(s)}${constraints(s)}`,
    defaultOf(s) || (required.has(name) ? '**required**' : ''),
    `${s.description ?? ''}${secrets.has(name) ? ' *Secret: never logged.*' : ''}`,
  ]);

  const file = toJson(fileConfigSchema);
  const sections = Object.entries(file.properties ?? {}).map(([name, s]) => {
    const sectionRows = s.properties ? rows(s, `${name}.`) : rows({ properties: { [name]: s } });
    const body = sectionRows.map((r) => [code(r.key), r.type, r.default, r.description]);
    return [
      `### \`${name}\``,
      '',
      s.description ?? '',
      '',
      table(['Key', 'Type', 'Default', 'Description'], body),
    ].join('\n');
  });

  return [
    '<!-- Generated from src/config/env.ts and src/config/file-schema.ts by `npm run docs`. Do not edit by hand. -->',
    '# Configuration',
    '',
    'Threadwise reads secrets and deployment wiring from **environment variables**, and behaviour from an optional',
    '**YAML file** named by `THREADWISE_CONFIG`. Both are validated at startup; every problem is reported at once and',
    'the process exits with status 2 instead of starting half-configured.',
    '',
    '## Environment variables',
    '',
    table(['Variable', 'Type', 'Default', 'Description'], envRows),
    '',
    '## Settings file (`THREADWISE_CONFIG`)',
    '',
    'YAML with snake_case keys; unknown keys are rejected so that typos do not pass silently. Every key is optional.',
    'Conversation settings resolve as built-in values ← `defaults` ← `dm` (direct messages) or `channels.<channel id>`.',
    '',
    sections.join('\n\n'),
    '',
  ].join('\n');
}
