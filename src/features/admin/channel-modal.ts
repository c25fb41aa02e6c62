import { isDeepStrictEqual } from 'node:util';
import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { z } from 'zod';
import {
  type ChannelOverrideInput,
  channelOverrideSchema,
  type DeskConfig,
  deskSchema,
  type FileConfig,
} from '../../config/file-schema.js';
import { channelSettings } from '../../config/settings.js';
import type { ToolName } from '../../config/tools-schema.js';
import type { Translator } from '../../i18n/translators.js';
import { mrkdwn } from '../../platform/slack/mrkdwn.js';

export const ADMIN_CHANNEL_VIEW = 'tw_admin_channel';
const VALUE = 'value';

/** The settings the modal sets; each is also a key of `channels.<id>` in the file. */
export const MODAL_FIELDS = ['instructions', 'model', 'tools', 'require_mention', 'image_detail', 'desk'] as const;
/** Input blocks, by id: one per setting, and the desk's own fields (`channels.<id>.desk.<field>`). */
const DESK_INPUTS = ['min_confidence', 'oncall', 'sla_minutes'] as const;
type Input = Exclude<(typeof MODAL_FIELDS)[number], 'desk'> | 'desk_mode' | (typeof DESK_INPUTS)[number];

const plain = (text: string) => ({ type: 'plain_text', text }) as const;
const option = (text: string, value: string): PlainTextOption => ({ text: plain(text), value });
/** The choices of the selects, in the admin's language; their values are what the submission is read by. */
const onOff = (t: Translator) => [
  option(t.t('admin.channel.mention_on'), 'on'),
  option(t.t('admin.channel.mention_off'), 'off'),
];
const details = (t: Translator) => [
  option(t.t('admin.channel.detail_auto'), 'auto'),
  option(t.t('admin.channel.detail_low'), 'low'),
  option(t.t('admin.channel.detail_high'), 'high'),
];
const deskModes = (t: Translator) => [
  option(t.t('admin.channel.desk_off'), 'off'),
  option(t.t('admin.channel.desk_auto'), 'auto'),
  option(t.t('admin.channel.desk_manual'), 'manual'),
];
const SLA_MAX_MINUTES = 7 * 24 * 60;
const DESK_DEFAULTS = deskSchema.parse({});
const deskMode = (desk: DeskConfig | undefined) => (!desk ? 'off' : desk.auto_answer ? 'auto' : 'manual');

/** The modal for one channel, filled with what applies there now (file and overrides), in the admin's language. */
export function channelModal(
  t: Translator,
  input: {
    channel: string;
    file: FileConfig;
    envModel: string;
    /** The tools this deployment has; the channel may use a subset. */
    tools: readonly ToolName[];
  },
): ModalView {
  const now = channelSettings(input.file, input.envModel, input.channel, input.channel.startsWith('D'));
  const usable = now.tools ?? input.tools;
  const blocks: KnownBlock[] = [
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: t.t('admin.channel.intro', { channel: mrkdwn`${input.channel}` }),
        },
      ],
    },
    {
      type: 'input',
      block_id: 'instructions',
      optional: true,
      label: plain(t.t('admin.channel.instructions')),
      element: {
        type: 'plain_text_input',
        action_id: VALUE,
        multiline: true,
        max_length: 3_000,
        initial_value: now.instructions.slice(0, 3_000),
      },
    },
    {
      type: 'input',
      block_id: 'model',
      optional: true,
      label: plain(t.t('admin.channel.model')),
      element: { type: 'plain_text_input', action_id: VALUE, max_length: 100, initial_value: now.model },
    },
  ];
  if (input.tools.length) {
    const options = input.tools.map((t) => option(t, t));
    const initial = options.filter((o) => usable.includes(o.value as ToolName));
    blocks.push({
      type: 'input',
      block_id: 'tools',
      optional: true,
      label: plain(t.t('admin.channel.tools')),
      element: {
        type: 'checkboxes',
        action_id: VALUE,
        options,
        ...(initial.length ? { initial_options: initial } : {}),
      },
    });
  }
  const mention = onOff(t);
  const detail = details(t);
  blocks.push(
    {
      type: 'input',
      block_id: 'require_mention',
      label: plain(t.t('admin.channel.answer')),
      element: {
        type: 'static_select',
        action_id: VALUE,
        options: mention,
        initial_option: mention[now.requireMention ? 0 : 1]!,
      },
    },
    {
      type: 'input',
      block_id: 'image_detail',
      label: plain(t.t('admin.channel.image_detail')),
      element: {
        type: 'static_select',
        action_id: VALUE,
        options: detail,
        initial_option: detail.find((o) => o.value === now.imageDetail)!,
      },
    },
  );
  if (!input.channel.startsWith('D')) blocks.push(...deskBlocks(t, input.file.channels[input.channel]?.desk));
  return {
    type: 'modal',
    callback_id: ADMIN_CHANNEL_VIEW,
    private_metadata: JSON.stringify({ channel: input.channel }),
    title: plain(t.t('admin.channel.title')),
    submit: plain(t.t('admin.channel.submit')),
    close: plain(t.t('admin.channel.cancel')),
    blocks,
  };
}

/** The help desk's fields (docs/desk.md), filled with the channel's desk or, where it has none, the defaults. */
function deskBlocks(t: Translator, desk: DeskConfig | undefined): KnownBlock[] {
  const shown = desk ?? DESK_DEFAULTS;
  const modes = deskModes(t);
  return [
    { type: 'divider' },
    {
      type: 'input',
      block_id: 'desk_mode',
      label: plain(t.t('admin.channel.desk')),
      element: {
        type: 'static_select',
        action_id: VALUE,
        options: modes,
        initial_option: modes.find((o) => o.value === deskMode(desk))!,
      },
    },
    {
      type: 'input',
      block_id: 'min_confidence',
      optional: true,
      label: plain(t.t('admin.channel.min_confidence')),
      element: {
        type: 'number_input',
        action_id: VALUE,
        is_decimal_allowed: true,
        min_value: '0',
        max_value: '1',
        initial_value: String(shown.min_confidence),
      },
    },
    {
      type: 'input',
      block_id: 'oncall',
      optional: true,
      label: plain(t.t('admin.channel.oncall')),
      hint: plain(t.t('admin.channel.oncall_hint')),
      element: {
        type: 'plain_text_input',
        action_id: VALUE,
        max_length: 1_000,
        ...(shown.oncall.length ? { initial_value: shown.oncall.join(' ') } : {}),
      },
    },
    {
      type: 'input',
      block_id: 'sla_minutes',
      optional: true,
      label: plain(t.t('admin.channel.sla_minutes')),
      element: {
        type: 'number_input',
        action_id: VALUE,
        is_decimal_allowed: true,
        min_value: '0.05',
        max_value: String(SLA_MAX_MINUTES),
        initial_value: String(shown.sla_minutes),
      },
    },
  ];
}

/**
 * What a field takes, in the admin's language, shown next to it when the schema refuses its value: the schema's own
 * words are English and written for the settings file.
 */
function fieldError(t: Translator, field: string): string {
  switch (field) {
    case 'min_confidence':
      return t.t('admin.channel.invalid.min_confidence');
    case 'sla_minutes':
      return t.t('admin.channel.invalid.sla_minutes', { max: SLA_MAX_MINUTES });
    case 'oncall':
      return t.t('admin.channel.invalid.oncall');
    default:
      return t.t('admin.channel.invalid.other');
  }
}

/**
 * The desk the form asks for: undefined when it matches the file's, `null` for "no desk" where the file has one.
 * Number fields left empty keep the file's value (or the default).
 */
function wantedDesk(
  t: Translator,
  get: (id: Input) => { value?: string | null | undefined; selected_option?: { value: string } | null } | undefined,
  base: DeskConfig | undefined,
): { ok: true; desk?: DeskConfig | null } | { ok: false; errors: Record<string, string> } {
  const mode = get('desk_mode')?.selected_option?.value;
  if (!mode || (mode === 'off' && !base)) return { ok: true };
  if (mode === 'off') return { ok: true, desk: null };
  const from = base ?? DESK_DEFAULTS;
  const text = (id: Input) => get(id)?.value?.trim() || undefined;
  const number = (id: Input) => (text(id) === undefined ? undefined : Number(text(id)));
  const parsed = deskSchema.safeParse({
    ...from,
    auto_answer: mode === 'auto',
    min_confidence: number('min_confidence') ?? from.min_confidence,
    // Pre-filled with the desk's on-call, so an emptied field means "nobody".
    oncall:
      text('oncall')
        ?.split(/[\s,]+/)
        .filter(Boolean) ?? [],
    sla_minutes: number('sla_minutes') ?? from.sla_minutes,
  });
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      const id = String(issue.path[0] ?? 'desk_mode');
      const block = (DESK_INPUTS as readonly string[]).includes(id) ? id : 'desk_mode';
      errors[block] = fieldError(t, block);
    }
    return { ok: false, errors };
  }
  return isDeepStrictEqual(parsed.data, base) ? { ok: true } : { ok: true, desk: parsed.data };
}

const selected = z.object({ value: z.string() });
// The state of each input as Slack sends it in view_submission: only what is read here.
const stateSchema = z.record(
  z.string(),
  z.object({
    [VALUE]: z.looseObject({
      value: z.string().nullish(),
      selected_option: selected.nullish(),
      selected_options: z.array(selected).optional(),
    }),
  }),
);
export const adminSubmissionSchema = z.looseObject({
  user: z.looseObject({ id: z.string() }),
  team: z.looseObject({ id: z.string() }).nullish(),
  view: z.looseObject({
    callback_id: z.literal(ADMIN_CHANNEL_VIEW),
    private_metadata: z.string(),
    state: z.looseObject({ values: stateSchema }),
  }),
});

export const targetSchema = z.object({ channel: z.string().regex(/^[CGD][A-Z0-9]+$/) });

/**
 * The overrides a submission asks for: each field that differs from what the file alone says for this channel
 * (so a later change in the file still reaches fields nobody overrode). Errors are per block, for Slack to show, in
 * the admin's language.
 */
export function overridesFrom(
  t: Translator,
  values: z.infer<typeof stateSchema>,
  ctx: { channel: string; fileOnly: FileConfig; envModel: string; tools: readonly ToolName[] },
): { ok: true; settings: ChannelOverrideInput } | { ok: false; errors: Record<string, string> } {
  const base = channelSettings(ctx.fileOnly, ctx.envModel, ctx.channel, ctx.channel.startsWith('D'));
  const get = (f: Input) => values[f]?.[VALUE];
  const wanted: ChannelOverrideInput = {};
  const instructions = get('instructions')?.value?.trim();
  if (instructions && instructions !== base.instructions) wanted.instructions = instructions;
  const model = get('model')?.value?.trim();
  if (model && model !== base.model) wanted.model = model;
  const tools = get('tools');
  if (tools && ctx.tools.length) {
    const picked = ctx.tools.filter((t) => tools.selected_options?.some((o) => o.value === t));
    const before = base.tools ?? ctx.tools;
    if (picked.length !== before.length || picked.some((t) => !before.includes(t))) wanted.tools = picked;
  }
  const mention = get('require_mention')?.selected_option?.value;
  if (mention && (mention === 'on') !== base.requireMention) wanted.require_mention = mention === 'on';
  const detail = get('image_detail')?.selected_option?.value;
  if (detail && detail !== base.imageDetail) wanted.image_detail = detail as ChannelOverrideInput['image_detail'];
  const desk = wantedDesk(t, get, ctx.fileOnly.channels[ctx.channel]?.desk);
  if (!desk.ok) return desk;
  if (desk.desk !== undefined) wanted.desk = desk.desk;
  const parsed = channelOverrideSchema.safeParse(wanted);
  if (parsed.success) return { ok: true, settings: parsed.data };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? 'model');
    errors[field] = fieldError(t, field);
  }
  return { ok: false, errors };
}
