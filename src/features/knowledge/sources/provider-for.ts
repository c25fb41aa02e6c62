import { isAbsolute, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { KnowledgeSourceConfig } from '../../../config/knowledge-schema.js';
import type { KnowledgeProvider } from '../contracts.js';
import { cloudProviderFor, isCloudSource } from './cloud-providers.js';
import { FolderProvider } from './folder.js';
import { WebsiteProvider } from './website.js';

/** What building a provider may need: where relative paths start, credentials from the environment, a logger. */
export interface ProviderDeps {
  /** The config file's folder. */
  baseDir: string;
  /** Values of the variables the sources name: their credentials. */
  env: Readonly<Record<string, string | undefined>>;
  log: Logger;
}

/** The provider behind one `knowledge.sources` entry, one line per kind. */
export function providerFor(config: KnowledgeSourceConfig, deps: ProviderDeps): KnowledgeProvider {
  switch (config.kind) {
    case 'folder':
      return new FolderProvider({
        name: config.name,
        dir: isAbsolute(config.dir) ? config.dir : resolve(deps.baseDir, config.dir),
        maxFileBytes: Math.round(config.max_file_mb * 1_048_576),
      });
    case 'website':
      return new WebsiteProvider({ name: config.name, url: config.url, maxPages: config.max_pages });
    default:
      if (isCloudSource(config)) return cloudProviderFor(config, { env: deps.env, log: deps.log });
      throw new Error(`no provider for ${(config as KnowledgeSourceConfig).kind} sources`);
  }
}
