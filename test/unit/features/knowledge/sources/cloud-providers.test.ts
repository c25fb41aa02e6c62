import { describe, expect, it } from 'vitest';
import { knowledgeEnv, knowledgeSecretNames } from '../../../../../src/config/knowledge-env.js';
import { knowledgeSchema } from '../../../../../src/config/knowledge-schema.js';
import { cloudProviderFor, isCloudSource } from '../../../../../src/features/knowledge/sources/cloud-providers.js';
import { none, signal } from './helpers.js';

const log = { warn: () => {} };
const settings = knowledgeSchema.parse({
  sources: [
    { name: 'wiki', kind: 'confluence', site: 'https://acme.atlassian.net', spaces: ['HR'] },
    { name: 'handbook', kind: 'notion', token_env: 'HANDBOOK_NOTION_TOKEN' },
    { name: 'help', kind: 'zendesk_guide', subdomain: 'acme', auth: 'oauth' },
    { name: 'drive', kind: 'google_drive', folder_id: '1AbCdEfGhIjKlMnOpQrStUv' },
  ],
});
const sources = settings.sources.filter(isCloudSource);

describe('cloud knowledge sources from the settings', () => {
  it('builds each kind with its credentials from the variables the settings name', () => {
    const env = {
      CONFLUENCE_EMAIL: 'bot@acme.test',
      CONFLUENCE_TOKEN: 'x',
      HANDBOOK_NOTION_TOKEN: 'x',
      ZENDESK_GUIDE_TOKEN: 'x',
      GOOGLE_DRIVE_CREDENTIALS: JSON.stringify({
        type: 'service_account',
        client_email: 'kb@acme.iam.gserviceaccount.com',
        private_key: '-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n',
      }),
    };
    expect(sources.map((c) => cloudProviderFor(c, { env, log }).constructor.name)).toEqual([
      'ConfluenceProvider',
      'NotionProvider',
      'ZendeskGuideProvider',
      'GoogleDriveProvider',
    ]);
  });

  it('turns a missing or malformed credential into a failing sync that names the variable, not a crash', async () => {
    const env = { GOOGLE_DRIVE_CREDENTIALS: '/secrets/drive.json' };
    const [wiki, handbook, help, drive] = sources.map((c) => cloudProviderFor(c, { env, log }));
    await expect(wiki?.changes(none, signal())).rejects.toThrow(
      'CONFLUENCE_EMAIL is not set (named by knowledge.sources "wiki" email_env)',
    );
    await expect(handbook?.changes(none, signal())).rejects.toThrow(
      'HANDBOOK_NOTION_TOKEN is not set (named by knowledge.sources "handbook" token_env)',
    );
    // With auth: oauth only the token is needed.
    await expect(help?.changes(none, signal())).rejects.toThrow(
      'ZENDESK_GUIDE_TOKEN is not set (named by knowledge.sources "help" token_env)',
    );
    await expect(drive?.changes(none, signal())).rejects.toThrow('GOOGLE_DRIVE_CREDENTIALS is not JSON');
    expect(drive).toMatchObject({ name: 'drive', kind: 'google_drive' });
  });

  it('keeps the values of the variables the sources name, and says which are secrets for the logs to scrub', () => {
    const env = { CONFLUENCE_EMAIL: 'bot@acme.test', CONFLUENCE_TOKEN: 'a', ZENDESK_GUIDE_EMAIL: 'x', PATH: '/bin' };
    // help uses auth: oauth, so its email variable is not read.
    expect(knowledgeEnv(settings, env)).toEqual({ CONFLUENCE_EMAIL: 'bot@acme.test', CONFLUENCE_TOKEN: 'a' });
    expect(knowledgeSecretNames(settings)).toEqual([
      'CONFLUENCE_TOKEN',
      'HANDBOOK_NOTION_TOKEN',
      'ZENDESK_GUIDE_TOKEN',
      'GOOGLE_DRIVE_CREDENTIALS',
    ]);
  });

  it('rejects settings that would put a secret in the file or point at a wrong place', () => {
    const problems = knowledgeSchema.safeParse({
      sources: [
        { name: 'wiki', kind: 'confluence', site: 'acme.atlassian.net', spaces: [], token_env: 'atl-123' },
        { name: 'help', kind: 'zendesk_guide', subdomain: 'acme.zendesk.com' },
      ],
    });
    expect(problems.success).toBe(false);
    expect(problems.error?.issues.map((i) => i.path.join('.'))).toEqual([
      'sources.0.site',
      'sources.0.spaces',
      'sources.0.token_env',
      'sources.1.subdomain',
    ]);
  });
});
