import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../../../src/config/env.js';
import { fileConfigSchema } from '../../../../src/config/file-schema.js';
import { setupTools } from '../../../../src/features/tools/setup.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { MemoryApprovalStore } from '../../../../src/platform/store/memory/memory-stores.js';
import { silent } from '../tickets/helpers.js';

const env = envSchema.parse({ SLACK_BOT_TOKEN: 'xoxb-1', OPENAI_API_KEY: 'k' });
const deps = (file: unknown) => ({
  file: fileConfigSchema.parse(file),
  env,
  baseDir: resolve('examples'),
  approvalStore: new MemoryApprovalStore(storeKeys('t:')),
  cards: { post: async () => undefined },
  log: silent,
});
const names = (s: Awaited<ReturnType<typeof setupTools>>) =>
  s.registry.definitions.map((d) => (d.type === 'function' ? d.name : d.type));

describe('which tools a deployment offers', () => {
  it('offers the tools whose backends are configured, with paths relative to the config file', async () => {
    expect(names(await setupTools(deps({})))).toEqual([]);
    expect(
      names(
        await setupTools(
          deps({ tickets: { file: './tickets.json' }, policies: { dir: './policies', vector_store_id: 'vs_1' } }),
        ),
      ),
    ).toEqual(['lookup_ticket', 'search_tickets', 'create_ticket', 'search_knowledge', 'file_search']);
  });

  it('offers only the enabled ones', async () => {
    const setup = await setupTools(
      deps({ tickets: {}, policies: { dir: './policies' }, tools: { enabled: ['lookup_ticket', 'search_policies'] } }),
    );
    expect(names(setup)).toEqual(['lookup_ticket', 'search_knowledge']);
    expect(setup.approvals).toBeUndefined();
  });

  it('refuses to start with a missing ticket file or policy folder, naming it', async () => {
    await expect(setupTools(deps({ tickets: { file: './nope.json' } }))).rejects.toThrow(
      /tickets.file cannot be used: ENOENT/,
    );
    await expect(setupTools(deps({ policies: { dir: './no-such-dir' } }))).rejects.toThrow(
      /policies.dir .*no-such-dir cannot be read \(ENOENT\)/,
    );
  });
});
