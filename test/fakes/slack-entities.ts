import { z } from 'zod';

/**
 * Work Objects (metadata.entities) as Slack checks them, after @slack/types 3 EntityMetadata and Slack's Work Object
 * docs: an entity type Slack supports, an http(s) url, external_ref.id, a title, and each field of a task in the
 * shape its type names (a string field has a string `value`, a timestamp a number, a typed field a `type` and a
 * user by id or by text). A task has no fields other than Slack's; an icon needs its alt_text.
 */
const httpUrl = z.string().regex(/^https?:\/\/\S+$/);
const stringField = z.looseObject({ value: z.string(), label: z.string().optional(), link: httpUrl.optional() });
const timestampField = z.looseObject({ value: z.number().int().positive(), label: z.string().optional() });
const userField = z.union([
  z.strictObject({ user_id: z.string().regex(/^[UW][A-Z0-9]+$/) }),
  z.looseObject({ text: z.string().min(1), url: httpUrl.optional(), email: z.string().optional() }),
]);
const typedField = z.looseObject({
  type: z.string().min(1),
  label: z.string().optional(),
  value: z.union([z.string(), z.number()]).optional(),
  user: userField.optional(),
});
const icon = z.looseObject({ alt_text: z.string().min(1), url: httpUrl.optional() });

const taskFields = z.strictObject({
  description: stringField.optional(),
  created_by: typedField.optional(),
  date_created: timestampField.optional(),
  date_updated: timestampField.optional(),
  assignee: typedField.optional(),
  status: stringField.optional(),
  due_date: typedField.optional(),
  priority: stringField.optional(),
});

const ENTITY_TYPES = [
  'slack#/entities/task',
  'slack#/entities/file',
  'slack#/entities/item',
  'slack#/entities/incident',
  'slack#/entities/content_item',
] as const;

const entitySchema = z.looseObject({
  entity_type: z.enum(ENTITY_TYPES),
  url: httpUrl,
  app_unfurl_url: httpUrl.optional(),
  external_ref: z.looseObject({ id: z.string().min(1), type: z.string().optional() }),
  entity_payload: z.looseObject({
    attributes: z.looseObject({
      title: z.looseObject({ text: z.string().min(1) }),
      display_id: z.string().optional(),
      product_icon: icon.optional(),
    }),
    fields: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** Every problem at once, as Slack lists them: the entity's own, and a task's fields (checked even when both fail). */
function issuesOf(entity: unknown): Array<{ message: string; path: PropertyKey[] }> {
  const own = entitySchema.safeParse(entity).error?.issues ?? [];
  const e = entity as { entity_type?: unknown; entity_payload?: { fields?: unknown } } | null;
  if (e?.entity_type !== 'slack#/entities/task' || e.entity_payload?.fields === undefined) return own;
  const fields = taskFields.safeParse(e.entity_payload.fields).error?.issues ?? [];
  return [...own, ...fields.map((i) => ({ message: i.message, path: ['entity_payload', 'fields', ...i.path] }))];
}

/** What Slack says of a malformed entity ("… (pointer: /metadata/entities/0/…)"); empty when it is well-formed. */
export function entityProblems(entity: unknown, pointer = '/metadata'): string[] {
  return issuesOf(entity).map((i) => `${i.message} (pointer: ${pointer}/${i.path.map(String).join('/')})`);
}

/** metadata.entities: a non-empty array of well-formed entities; the problems of each, pointing into the array. */
export function entitiesProblems(entities: unknown): string[] {
  if (!Array.isArray(entities) || !entities.length)
    return ['entities must be a non-empty array (pointer: /metadata/entities)'];
  return entities.flatMap((e, i) => entityProblems(e, `/metadata/entities/${i}`));
}
