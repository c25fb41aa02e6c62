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
