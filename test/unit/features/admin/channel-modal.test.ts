import { describe, expect, it } from 'vitest';
import { fileConfigSchema } from '../../../../src/config/file-schema.js';
import { channelModal, overridesFrom } from '../../../../src/features/admin/channel-modal.js';
import { LANGUAGES } from '../../../../src/i18n/locales-map.js';
import { createTranslators } from '../../../../src/i18n/translators.js';
import { viewErrors } from '../../../fakes/slack-blocks.js';

const translators = createTranslators();
const en = translators.english;

const file = fileConfigSchema.parse({ channels: { C1: { model: 'gpt-4o-mini', tools: ['lookup_ticket'] } } });
const TOOLS = ['lookup_ticket', 'search_tickets'] as const;
const values = (v: Record<string, Record<string, unknown>>) =>
  Object.fromEntries(Object.entries(v).map(([k, s]) => [k, { value: s }]));

describe('the channel settings modal', () => {
  it('opens with what applies in the channel now', () => {
    const view = channelModal(en, { channel: 'C1', file, envModel: 'gpt-4o', tools: TOOLS });
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
      en,
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
      en,
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
    (channelModal(en, { channel, file: f, envModel: 'gpt-4o', tools: TOOLS }).blocks as Array<{ block_id?: string }>)
      .map((b) => b.block_id)
      .filter(Boolean);

  it('offers the desk fields in channels, not in DMs', () => {
    expect(blockIds('C2')).toEqual(expect.arrayContaining(['desk_mode', 'min_confidence', 'oncall', 'sla_minutes']));
    expect(blockIds('D1')).not.toContain('desk_mode');
  });

  it('turns a desk on where the file has none, with the fields as typed', () => {
    const result = overridesFrom(
      en,
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
      en,
      values({
        desk_mode: { selected_option: { value: 'auto' } },
        min_confidence: { value: '0.8' },
        oncall: { value: 'S0ONCALL' },
        sla_minutes: { value: '30' },
      }),
      ctx(),
    );
    expect(same).toEqual({ ok: true, settings: {} });
    const off = overridesFrom(en, values({ desk_mode: { selected_option: { value: 'off' } } }), ctx());
    expect(off).toEqual({ ok: true, settings: { desk: null } });
  });

  it('shows a bad value next to its field', () => {
    const bad = overridesFrom(
      en,
      values({ desk_mode: { selected_option: { value: 'manual' } }, oncall: { value: 'ops-team' } }),
      ctx(),
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(Object.keys(bad.errors)).toEqual(['oncall']);
  });
});

describe('the channel settings modal in the admin’s language', () => {
  const withDesk = fileConfigSchema.parse({ channels: { C2: { desk: { oncall: ['S0ONCALL'] } } } });
  const open = (locale: string, channel = 'C2') =>
    channelModal(translators.forLocale(locale), { channel, file: withDesk, envModel: 'gpt-4o', tools: TOOLS });
  const labels = (view: ReturnType<typeof channelModal>) =>
    Object.fromEntries(
      (view.blocks as Array<{ block_id?: string; label?: { text: string } }>)
        .filter((b) => b.block_id)
        .map((b) => [b.block_id, b.label!.text]),
    );

  it('is written in German for a German admin, with the same values behind the choices', () => {
    const view = open('de-DE');
    expect(view.title).toEqual({ type: 'plain_text', text: 'Channel-Einstellungen' });
    expect(view.submit).toEqual({ type: 'plain_text', text: 'Speichern' });
    expect(labels(view)).toMatchObject({
      model: 'Modell',
      image_detail: 'Bilddetails',
      desk_mode: expect.stringContaining('Helpdesk'),
    });
    const desk = (
      view.blocks as Array<{
        block_id?: string;
        element?: { options?: Array<{ text: { text: string }; value: string }> };
      }>
    ).find((b) => b.block_id === 'desk_mode')!;
    expect(desk.element!.options!.map((o) => [o.value, o.text.text])).toEqual([
      ['off', 'Kein Helpdesk'],
      ['auto', 'Antworten, wenn sicher, sonst übergeben'],
      ['manual', 'Nie selbst antworten; übergeben'],
    ]);
    expect(JSON.stringify(view.blocks)).toContain('Einstellungen für #C2.');
  });

  it('shows a Japanese admin a bad value’s problem in Japanese, next to its field', () => {
    const ctx = { channel: 'C2', fileOnly: withDesk, envModel: 'gpt-4o', tools: TOOLS };
    const bad = overridesFrom(
      translators.forLocale('ja-JP'),
      values({
        desk_mode: { selected_option: { value: 'manual' } },
        oncall: { value: 'ops-team' },
        sla_minutes: { value: '20000' },
      }),
      ctx,
    );
    expect(bad).toEqual({
      ok: false,
      errors: {
        oncall:
          'ユーザー ID（U0123ABCD）、ユーザーグループ ID（S0123ABCD）または @ハンドルをスペース区切りで指定してください。',
        sla_minutes: '0 より大きく 10,080 以下（1 週間）の分数を入力してください。',
      },
    });
  });

  it('falls back to English for a locale without a catalog', () => {
    expect(open('ko-KR').title).toEqual({ type: 'plain_text', text: 'Channel settings' });
  });

  it('fits Slack’s limits for a modal in every language, in a channel and in a DM', () => {
    for (const language of LANGUAGES)
      for (const channel of ['C2', 'D1']) expect(viewErrors(open(language, channel) as never), language).toEqual([]);
  });
});
