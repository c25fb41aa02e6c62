import { isAbsolute, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Env } from '../../../config/env.js';
import type { KnowledgeSourceConfig } from '../../../config/knowledge-schema.js';
import type { KnowledgeProvider } from '../contracts.js';
import { FolderProvider } from './folder.js';
import { WebsiteProvider } from './website.js';

/** What building a provider may need: where relative paths start, credentials from the environment, a logger. */
export interface ProviderDeps {
  /** The config file's folder. */
  baseDir: string;
  env: Env;
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
      return unavailable(config);
  }
}

/** A kind this build has no provider for: each sync fails with that reason, shown in its status, and nothing else. */
function unavailable(config: KnowledgeSourceConfig): KnowledgeProvider {
  return {
    name: config.name,
    kind: config.kind,
    changes: async () => {
      throw new Error(`this build of Threadwise cannot sync ${config.kind} sources yet`);
    },
  };
}
