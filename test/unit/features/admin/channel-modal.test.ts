import { describe, expect, it } from 'vitest';
import { fileConfigSchema } from '../../../../src/config/file-schema.js';
import { channelModal, overridesFrom } from '../../../../src/features/admin/channel-modal.js';

const file = fileConfigSchema.parse({ channels: { C1: { model: 'gpt-4o-mini', tools: ['lookup_ticket'] } } });
const TOOLS = ['lookup_ticket', 'search_tickets'] as const;
const values = (v: Record<string, Record<string, unknown>>) =>
  Object.fromEntries(Object.entries(v).map(([k, s]) => [k, { value: s }]));

describe('the channel settings modal', () => {
  it('opens with what applies in the channel now', () => {
    const view = channelModal({ channel: 'C1', file, envModel: 'gpt-4o', tools: TOOLS });
    const byId = Object.fromEntries(
      (view.blocks as Array<{ block_id?: string; element?: Record<string, unknown> }>).map((b) => [
        b.block_id,
        b.element,
      ]),
    );
    expect(byId.model!.initial_value).toBe('gpt-4o-mini');
    expect((byId.tools!.initial_options as Array<{ value: string }>).map((o) => o.value)).toEqual(['lookup_ticket']);
    expect((byId.require_mention!.initial_option as { value: string }).value).toBe('off');
    expect(JSON.parse(view.private_metadata!)).toEqual({ channel: 'C1' });
  });

  it('keeps only what differs from the file, so the file still reaches the rest', () => {
    const ctx = { channel: 'C1', fileOnly: file, envModel: 'gpt-4o', tools: TOOLS };
    const same = overridesFrom(
      values({
        model: { value: 'gpt-4o-mini' },
        tools: { selected_options: [{ value: 'lookup_ticket' }] },
        require_mention: { selected_option: { value: 'off' } },
        image_detail: { selected_option: { value: 'auto' } },
      }),
      ctx,
    );
    expect(same).toEqual({ ok: true, settings: {} });
    const changed = overridesFrom(
      values({
        instructions: { value: '  Be brief.  ' },
        model: { value: 'gpt-4o' },
        tools: { selected_options: [] },
        require_mention: { selected_option: { value: 'on' } },
        image_detail: { selected_option: { value: 'high' } },
      }),
      ctx,
    );
    expect(changed).toEqual({
      ok: true,
      settings: { instructions: 'Be brief.', model: 'gpt-4o', tools: [], require_mention: true, image_detail: 'high' },
    });
  });
});

describe('the channel settings modal’s help desk', () => {
  const withDesk = fileConfigSchema.parse({
    channels: { C2: { desk: { min_confidence: 0.8, oncall: ['S0ONCALL'], sla_minutes: 30 } } },
  });
  const ctx = (fileOnly = withDesk, channel = 'C2') => ({ channel, fileOnly, envModel: 'gpt-4o', tools: TOOLS });
  const blockIds = (channel: string, f = withDesk) =>
    (channelModal({ channel, file: f, envModel: 'gpt-4o', tools: TOOLS }).blocks as Array<{ block_id?: string }>)
      .map((b) => b.block_id)
      .filter(Boolean);

  it('offers the desk fields in channels, not in DMs', () => {
    expect(blockIds('C2')).toEqual(expect.arrayContaining(['desk_mode', 'min_confidence', 'oncall', 'sla_minutes']));
    expect(blockIds('D1')).not.toContain('desk_mode');
  });

  it('turns a desk on where the file has none, with the fields as typed', () => {
    const result = overridesFrom(
      values({
        desk_mode: { selected_option: { value: 'auto' } },
        min_confidence: { value: '0.9' },
        oncall: { value: 'S0HELP, @support U0LEAD' },
        sla_minutes: { value: '15' },
      }),
      ctx(file, 'C1'),
    );
    expect(result).toEqual({
      ok: true,
      settings: {
        desk: {
          auto_answer: true,
          min_confidence: 0.9,
          oncall: ['S0HELP', '@support', 'U0LEAD'],
          sla_minutes: 15,
          auto_answers_per_hour: 30,
        },
      },
    });
  });

  it('keeps nothing when the desk is left as the file has it, and records "no desk" as null', () => {
    const same = overridesFrom(
      values({
        desk_mode: { selected_option: { value: 'auto' } },
        min_confidence: { value: '0.8' },
        oncall: { value: 'S0ONCALL' },
        sla_minutes: { value: '30' },
      }),
      ctx(),
    );
    expect(same).toEqual({ ok: true, settings: {} });
    const off = overridesFrom(values({ desk_mode: { selected_option: { value: 'off' } } }), ctx());
    expect(off).toEqual({ ok: true, settings: { desk: null } });
  });

  it('shows a bad value next to its field', () => {
    const bad = overridesFrom(
      values({ desk_mode: { selected_option: { value: 'manual' } }, oncall: { value: 'ops-team' } }),
      ctx(),
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(Object.keys(bad.errors)).toEqual(['oncall']);
  });
});
