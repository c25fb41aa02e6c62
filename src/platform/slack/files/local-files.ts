import { open, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { FileConfig } from '../../../config/file-schema.js';
import type { ImageDetail } from '../../../turn/thread.js';
import { DownloadError, type Downloader } from './download.js';
import { fileLimits, type PreparedFiles, prepareFiles } from './prepare.js';
import type { SlackFile } from './slack-file.js';

/** Reads a local file with the same size cap a Slack download has. */
const readLocal: Downloader = async (url, maxBytes) => {
  const path = fileURLToPath(url);
  const handle = await open(path).catch(() => {
    throw new DownloadError('http_status', `cannot open ${path}`, 404);
  });
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new DownloadError('too_large', `${path} is larger than the limit`);
    return { bytes: await handle.readFile(), hosts: ['local'] };
  } finally {
    await handle.close();
  }
};

/**
 * Files named on the terminal go through the same preparation as Slack attachments (sniffing, downscaling,
 * limits, skip notices), so `threadwise chat` shows what the bot would send.
 */
export async function readLocalFiles(
  paths: readonly string[],
  messageTs: string,
  detail: ImageDetail,
  files: FileConfig['files'],
  log: Logger,
): Promise<PreparedFiles> {
  const described: SlackFile[] = await Promise.all(
    paths.map(async (p, i) => {
      const absolute = resolve(p);
      const size = await stat(absolute).then(
        (s) => s.size,
        () => undefined,
      );
      return {
        id: `local${i}`,
        name: basename(absolute),
        size,
        mode: 'hosted',
        url_private_download: pathToFileURL(absolute).href,
      };
    }),
  );
  return prepareFiles(
    described,
    { messageTs, detail },
    { download: readLocal, fileInfo: async () => undefined, limits: fileLimits(files), log },
  );
}
