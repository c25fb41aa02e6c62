import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fileConfigSchema } from '../../../../src/config/file-schema.js';
import { fixedSettings } from '../../../../src/config/live-settings.js';
import { ConversationTools } from '../../../../src/features/tools/sessions.js';
import { ToolRegistry } from '../../../../src/platform/tools/runner.js';
import { defineTool } from '../../../../src/platform/tools/types.js';
import { ctx, silent } from '../tickets/helpers.js';

const tool = (name: 'lookup_ticket' | 'create_ticket') =>
  defineTool({
    name,
    description: name,
    parameters: z.strictObject({}),
    progress: () => ({ step: 'working' }),
    authorize: () => undefined,
    run: async () => ({}),
    format: (r) => r,
  });

const tools = new ConversationTools(
  new ToolRegistry([tool('lookup_ticket'), tool('create_ticket')]),
  fixedSettings(
    fileConfigSchema.parse({ channels: { C0LOOKUP: { tools: ['lookup_ticket'] }, C0QUIET: { tools: [] } } }),
  ),
  'gpt-4o',
);

describe("a conversation's tools", () => {
  it("follow the channel's tool list, for turns and buttons alike", async () => {
    expect(tools.offers('create_ticket', { channel: 'C0ANY', isDm: false })).toBe(true);
    expect(tools.offers('create_ticket', { channel: 'C0LOOKUP', isDm: false })).toBe(false);
    expect(tools.offers('lookup_ticket', { channel: 'C0LOOKUP', isDm: false })).toBe(true);
    expect(
      (await tools.session(ctx({ channel: 'C0LOOKUP' }), silent))!.definitions.map((d) =>
        d.type === 'function' ? d.name : '',
      ),
    ).toEqual(['lookup_ticket']);
  });

  it('give no session where the channel turns tools off', async () => {
    expect(await tools.session(ctx({ channel: 'C0QUIET' }), silent)).toBeUndefined();
    expect(tools.offers('lookup_ticket', { channel: 'C0QUIET', isDm: false })).toBe(false);
  });
});
