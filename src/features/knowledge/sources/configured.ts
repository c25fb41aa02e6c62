import type { FileConfig } from '../../../config/file-schema.js';
import type { KnowledgeSourceConfig } from '../../../config/knowledge-schema.js';

/** The source `policies.dir` has always been: a folder source named "policies". */
export const POLICIES_SOURCE = 'policies';

/** One source to sync, and how often. */
export interface ScheduledSource {
  config: KnowledgeSourceConfig;
  everyMs: number;
}

/**
 * Every source the settings name: `knowledge.sources`, and `policies.dir` as the folder source "policies" (an entry
 * of that name in `knowledge.sources` takes its place), each with its sync interval.
 */
export function configuredSources(file: FileConfig): ScheduledSource[] {
  const { knowledge, policies } = file;
  const list: KnowledgeSourceConfig[] = [...knowledge.sources];
  if (policies && !list.some((s) => s.name === POLICIES_SOURCE))
    list.unshift({ name: POLICIES_SOURCE, kind: 'folder', dir: policies.dir, max_file_mb: 20 });
  return list.map((config) => ({
    config,
    everyMs: (config.sync_every_minutes ?? knowledge.sync_every_minutes) * 60_000,
  }));
}
