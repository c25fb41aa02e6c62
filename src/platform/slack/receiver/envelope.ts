import { z } from 'zod';

/**
 * What Bolt's router itself reads from a request before any listener runs (App#processEvent: the type, the
 * conversation, the team, enterprise and user of the source, the first action, the view). A body that lacks one
 * of these makes Bolt throw mid-routing, so it is checked here and answered without Bolt; everything else is left
 * to each listener's own schema, which checks only what that listener uses.
 */
const objectOrAbsent = z.record(z.string(), z.unknown()).optional();
const idHolder = z.looseObject({ id: z.unknown() });

const eventBody = z.looseObject({
  event: z.looseObject({
    type: z.string().min(1),
    // Bolt looks for the conversation and the user in these, with `in` and property reads.
    channel: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    user: z.union([z.string(), idHolder]).optional(),
    item: objectOrAbsent,
    subteam: objectOrAbsent,
  }),
  authorizations: z.array(z.record(z.string(), z.unknown())).optional(),
});

const interactiveBody = z.looseObject({
  user: idHolder,
  team: z.union([idHolder, z.null()]).optional(),
  enterprise: z.union([idHolder, z.null()]).optional(),
  function_data: objectOrAbsent,
});

const actionBody = interactiveBody.extend({ actions: z.array(z.record(z.string(), z.unknown())).min(1) });
const viewBody = interactiveBody.extend({ view: z.record(z.string(), z.unknown()) });
const commandBody = z.looseObject({ command: z.string().min(1) });

export type RequestKind = 'event' | 'command' | 'action' | 'view' | 'shortcut' | 'options' | 'unknown';

/** The kind of request, judged the way Bolt's router judges it (the first field present decides). */
export function kindOf(body: Record<string, unknown>): RequestKind {
  if (body.event !== undefined) return 'event';
  if (body.command !== undefined) return 'command';
  if (body.name !== undefined || body.type === 'block_suggestion') return 'options';
  if (body.actions !== undefined || body.type === 'dialog_submission') return 'action';
  if (body.type === 'shortcut' || body.type === 'message_action') return 'shortcut';
  if (body.type === 'view_submission' || body.type === 'view_closed') return 'view';
  return 'unknown';
}

const schemas: Record<Exclude<RequestKind, 'unknown'>, z.ZodType> = {
  event: eventBody,
  command: commandBody,
  options: interactiveBody,
  action: actionBody,
  shortcut: interactiveBody,
  view: viewBody,
};

/** Why Bolt could not route this body (field paths only, never values), or undefined when it can. */
export function routingProblem(body: Record<string, unknown>): string | undefined {
  const kind = kindOf(body);
  if (kind === 'unknown') return undefined;
  const parsed = schemas[kind].safeParse(body);
  if (parsed.success) return undefined;
  return parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}

/**
 * A value's shape for a log line: keys and value types, a few levels deep, never a string's content (payloads
 * carry people's messages and tokens).
 */
export function shapeOf(value: unknown, depth = 2): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value))
    return depth > 0 && value.length ? [shapeOf(value[0], depth - 1)] : `array(${value.length})`;
  if (typeof value !== 'object') return typeof value;
  if (depth <= 0) return 'object';
  const entries = Object.entries(value as Record<string, unknown>).slice(0, 30);
  return Object.fromEntries(entries.map(([k, v]) => [k, shapeOf(v, depth - 1)]));
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
