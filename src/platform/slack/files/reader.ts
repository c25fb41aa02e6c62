import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { createDownloader } from './download.js';
import { type FileLimits, type PrepareContext, type PreparedFiles, prepareFiles } from './prepare.js';
import { type SlackFile, slackFileSchema } from './slack-file.js';

export type FileReader = (files: readonly SlackFile[], ctx: PrepareContext) => Promise<PreparedFiles>;

export interface FileReaderOptions {
  token: string;
  slackApiUrl?: string;
  timeoutMs: number;
  limits: FileLimits;
  fetch?: typeof fetch;
}

/** Wires the downloader and files.info into `prepareFiles` for one workspace token. */
export function createFileReader(client: WebClient, options: FileReaderOptions, log: Logger): FileReader {
  const download = createDownloader({
    token: options.token,
    slackApiUrl: options.slackApiUrl,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });
  const fileInfo = async (id: string): Promise<SlackFile | undefined> => {
    try {
      const parsed = slackFileSchema.safeParse((await client.files.info({ file: id })).file);
      return parsed.success ? parsed.data : undefined;
    } catch (err) {
      log.warn(
        { file: id, error: (err as { data?: { error?: string } }).data?.error ?? (err as Error).message },
        'files.info failed',
      );
      return undefined;
    }
  };
  return (files, ctx) => prepareFiles(files, ctx, { download, fileInfo, limits: options.limits, log });
}
