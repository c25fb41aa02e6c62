import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { z } from 'zod';
import { type ChannelSettingsInput, channelSettingsSchema, type FileConfig } from '../../config/file-schema.js';
import { channelSettings } from '../../config/settings.js';
import type { ToolName } from '../../config/tools-schema.js';
import { mrkdwn } from '../../platform/slack/mrkdwn.js';

export const ADMIN_CHANNEL_VIEW = 'tw_admin_channel';
const VALUE = 'value';

/** The settings the modal sets, by block id; each is also a key of `channels.<id>` in the file. */
export const MODAL_FIELDS = ['instructions', 'model', 'tools', 'require_mention', 'image_detail'] as const;
type Field = (typeof MODAL_FIELDS)[number];

const option = (text: string, value: string): PlainTextOption => ({ text: { type: 'plain_text', text }, value });
const ON_OFF = [option('Only when mentioned', 'on'), option('Follow-ups in its threads too', 'off')];
const DETAIL = [option('auto', 'auto'), option('low (cheaper)', 'low'), option('high (small text, charts)', 'high')];

/** The modal for one channel, filled with what applies there now (file and overrides). */
export function channelModal(input: {
  channel: string;
  file: FileConfig;
  envModel: string;
  /** The tools this deployment has; the channel may use a subset. */
  tools: readonly ToolName[];
}): ModalView {
  const now = channelSettings(input.file, input.envModel, input.channel, input.channel.startsWith('D'));
  const usable = now.tools ?? input.tools;
  const blocks: KnownBlock[] = [
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: mrkdwn`Settings for #${input.channel}. A field left as it is keeps following the settings file; a change applies to the next question and is recorded with your name.`,
        },
      ],
    },
    {
      type: 'input',
      block_id: 'instructions',
      optional: true,
      label: { type: 'plain_text', text: 'Persona (instructions)' },
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
      label: { type: 'plain_text', text: 'Model' },
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
      label: { type: 'plain_text', text: 'Tools (none ticked: tools off here)' },
      element: {
        type: 'checkboxes',
        action_id: VALUE,
        options,
        ...(initial.length ? { initial_options: initial } : {}),
      },
    });
  }
  blocks.push(
    {
      type: 'input',
      block_id: 'require_mention',
      label: { type: 'plain_text', text: 'Answer' },
      element: {
        type: 'static_select',
        action_id: VALUE,
        options: ON_OFF,
        initial_option: ON_OFF[now.requireMention ? 0 : 1]!,
      },
    },
    {
      type: 'input',
      block_id: 'image_detail',
      label: { type: 'plain_text', text: 'Image detail' },
      element: {
        type: 'static_select',
        action_id: VALUE,
        options: DETAIL,
        initial_option: DETAIL.find((o) => o.value === now.imageDetail)!,
      },
    },
  );
  return {
    type: 'modal',
    callback_id: ADMIN_CHANNEL_VIEW,
    private_metadata: JSON.stringify({ channel: input.channel }),
    title: { type: 'plain_text', text: 'Channel settings' },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
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
 * (so a later change in the file still reaches fields nobody overrode). Errors are per block, for Slack to show.
 */
export function overridesFrom(
  values: z.infer<typeof stateSchema>,
  ctx: { channel: string; fileOnly: FileConfig; envModel: string; tools: readonly ToolName[] },
): { ok: true; settings: ChannelSettingsInput } | { ok: false; errors: Record<string, string> } {
  const base = channelSettings(ctx.fileOnly, ctx.envModel, ctx.channel, ctx.channel.startsWith('D'));
  const get = (f: Field) => values[f]?.[VALUE];
  const wanted: ChannelSettingsInput = {};
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
  if (detail && detail !== base.imageDetail) wanted.image_detail = detail as ChannelSettingsInput['image_detail'];
  const parsed = channelSettingsSchema.safeParse(wanted);
  if (parsed.success) return { ok: true, settings: parsed.data };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? 'model')] = issue.message;
  return { ok: false, errors };
}
