import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { describeIssues } from '../../../config/errors.js';
import { canonicalToolName, TOOL_NAMES, type ToolName } from '../../../config/tools-schema.js';
import { strictnessProblem } from '../../../platform/tools/json-schema.js';
import { ajv } from './json-schema.js';

export const isBuiltInTool = (name: string): name is ToolName => (TOOL_NAMES as readonly string[]).includes(name);

/**
 * A tool the model may call during a case; every call is answered with `returns`. A built-in tool (lookup_ticket,
 * search_knowledge, …) keeps its real description and schema, so the eval tests what production offers; only a
 * custom tool states its own.
 */
const toolStubSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,64}$/, { error: 'tool names are 1–64 letters, digits, _ or -' })
      // Suites written before a rename (search_policies) stub the tool by its name now.
      .transform(canonicalToolName),
    description: z
      .string()
      .min(1)
      .optional()
      .describe(
        `What the tool does; required for a custom tool, not allowed for the built-in ones (${TOOL_NAMES.join(', ')}).`,
      ),
    parameters: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        "JSON Schema of a custom tool's arguments (strict mode: every property required, additionalProperties false); not allowed for built-in tools.",
      ),
    returns: z
      .unknown()
      .describe('The data the tool returns; the model reads it inside the same envelope as a real tool result.'),
  })
  .strict()
  .superRefine((stub, ctx) => {
    if (isBuiltInTool(stub.name)) {
      for (const key of ['description', 'parameters'] as const) {
        if (stub[key] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `is not allowed: ${stub.name} is a built-in tool and the eval offers its real ${key}`,
          });
      }
      return;
    }
    if (!stub.description)
      ctx.addIssue({ code: 'custom', path: ['description'], message: `is required for the custom tool ${stub.name}` });
    if (!stub.parameters)
      return void ctx.addIssue({
        code: 'custom',
        path: ['parameters'],
        message: `are required for the custom tool ${stub.name}`,
      });
    const problem =
      stub.parameters.type === 'object' ? strictnessProblem(stub.parameters) : 'the schema must be of type object';
    if (problem)
      return void ctx.addIssue({
        code: 'custom',
        path: ['parameters'],
        message: `cannot be used in strict mode: ${problem}`,
      });
    try {
      ajv.compile(stub.parameters);
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        path: ['parameters'],
        message: `is not a valid JSON schema: ${(err as Error).message}`,
      });
    }
  });
export type ToolStub = z.infer<typeof toolStubSchema>;

const expectSchema = z
  .object({
    contains: z.array(z.string()).default([]).describe('Substrings the answer must contain (case-insensitive).'),
    not_contains: z
      .array(z.string())
      .default([])
      .describe('Substrings the answer must not contain (case-insensitive).'),
    regex: z
      .array(z.string())
      .default([])
      .describe('Patterns the answer must match; "/…/flags" or a bare pattern (case-insensitive).'),
    json_schema: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('The answer must be JSON valid against this schema.'),
    tool_calls: z
      .array(
        z
          .object({
            name: z.string().transform(canonicalToolName),
            arguments: z.record(z.string(), z.unknown()).default({}),
          })
          .strict(),
      )
      .default([])
      .describe(
        'Calls the model must make; arguments match when every listed key is equal (strings case-insensitively).',
      ),
    no_tool_calls: z.boolean().default(false).describe('The model must answer without calling any tool.'),
    rubric: z.string().optional().describe('Criteria a second model grades the answer against.'),
  })
  .strict();

const caseSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'case ids are lower-case words joined by - or _' }),
    input: z.string().min(1).describe('The user message.'),
    images: z
      .array(z.string())
      .default([])
      .describe(
        'Files sent with the message (images, or PDFs and text files as in Slack), relative to the YAML file; prepared exactly like Slack uploads.',
      ),
    history: z.array(z.object({ role: z.enum(['user', 'assistant']), text: z.string() }).strict()).default([]),
    tools: z.array(toolStubSchema).default([]),
    expect: expectSchema,
  })
  .strict();

const suiteSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    channel: z
      .string()
      .regex(/^[CGD][A-Z0-9]+$/)
      .optional()
      .describe("Run with this channel's settings from THREADWISE_CONFIG."),
    instructions: z.string().optional().describe('Instructions replacing the configured ones for this suite.'),
    tools: z.array(toolStubSchema).default([]).describe('Tool stubs every case of the suite can call.'),
    cases: z.array(caseSchema).min(1),
  })
  .strict();

/**
 * A help-desk gate suite (`kind: desk_gate`): questions with the sources the desk would have found, each marked
 * answerable or not; the gate's confidence is compared with `min_confidence` and the report gives the accuracy.
 */
const gateSuiteSchema = z
  .object({
    kind: z.literal('desk_gate'),
    name: z.string().min(1),
    description: z.string().optional(),
    min_confidence: z
      .number()
      .min(0)
      .max(1)
      .default(0.7)
      .describe('The threshold the accuracy is measured at (the channel’s desk.min_confidence).'),
    cases: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'case ids are lower-case words joined by - or _' }),
            question: z.string().min(1),
            sources: z
              .array(
                z
                  .object({
                    kind: z.enum(['policy', 'ticket', 'thread']),
                    title: z.string().min(1),
                    text: z.string().min(1),
                    url: z.string().optional(),
                  })
                  .strict(),
              )
              .default([]),
            answerable: z.boolean().describe('Whether the sources really answer the question.'),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type GateSuite = z.infer<typeof gateSuiteSchema> & { file: string };
export type GateCase = GateSuite['cases'][number];
export type AnySuite = EvalSuite | GateSuite;
export const isGateSuite = (s: AnySuite): s is GateSuite => 'kind' in s && s.kind === 'desk_gate';

export type EvalCase = z.infer<typeof caseSchema>;
export type EvalSuite = z.infer<typeof suiteSchema> & { file: string };
export type Expectations = z.infer<typeof expectSchema>;

export class SuiteError extends Error {}

/** Parses one suite file; problems name the file and the field. Image paths become absolute. */
export function parseSuite(text: string, file: string): EvalSuite {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new SuiteError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = suiteSchema.safeParse(raw);
  if (!parsed.success) throw new SuiteError(`${file}:\n  ${describeIssues(parsed.error.issues).join('\n  ')}`);
  const ids = parsed.data.cases.map((c) => c.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new SuiteError(`${file}: case id "${dup}" is used twice`);
  const base = dirname(resolve(file));
  return {
    ...parsed.data,
    file,
    cases: parsed.data.cases.map((c) => ({ ...c, images: c.images.map((p) => join(base, p)) })),
  };
}

/** Parses a desk-gate suite; problems name the file and the field. */
export function parseGateSuite(raw: unknown, file: string): GateSuite {
  const parsed = gateSuiteSchema.safeParse(raw);
  if (!parsed.success) throw new SuiteError(`${file}:\n  ${describeIssues(parsed.error.issues).join('\n  ')}`);
  const ids = parsed.data.cases.map((c) => c.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new SuiteError(`${file}: case id "${dup}" is used twice`);
  return { ...parsed.data, file };
}

/** Either kind of suite, told apart by `kind: desk_gate`. */
function parseAnySuite(text: string, file: string): AnySuite {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new SuiteError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return (raw as { kind?: unknown } | null)?.kind === 'desk_gate' ? parseGateSuite(raw, file) : parseSuite(text, file);
}

/** A missing image is a mistake in the suite: said before any case runs (and costs anything). */
async function checkFiles(suite: EvalSuite): Promise<void> {
  for (const c of suite.cases) {
    for (const path of c.images) {
      const found = await stat(path).then(
        (s) => s.isFile(),
        () => false,
      );
      if (!found)
        throw new SuiteError(
          `${suite.file}: case "${c.id}" names ${basename(path)}, but there is no such file at ${path}`,
        );
    }
  }
}

/** Every *.yaml / *.yml in a directory (not recursive), sorted by name. */
export async function loadSuites(dir: string): Promise<AnySuite[]> {
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    throw new SuiteError(`cannot read the eval directory ${dir} (${err.code ?? err.message})`);
  });
  const names = entries.filter((n) => /\.ya?ml$/.test(n)).sort();
  if (!names.length) throw new SuiteError(`no *.yaml eval suites in ${dir}`);
  const suites = await Promise.all(
    names.map(async (n) => parseAnySuite(await readFile(join(dir, n), 'utf8'), join(dir, n))),
  );
  for (const suite of suites) if (!isGateSuite(suite)) await checkFiles(suite);
  return suites;
}
