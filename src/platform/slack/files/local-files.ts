import { constants } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { FileConfig } from '../../../config/file-schema.js';
import type { FileReason } from '../../../turn/file-reasons.js';
import type { ImageDetail, SkippedFile } from '../../../turn/thread.js';
import { DownloadError, type Downloader } from './download.js';
import { fileLimits, type PreparedFiles, prepareFiles } from './prepare.js';
import type { SlackFile } from './slack-file.js';

/** Reads a local file with the same size cap a Slack download has. */
const readLocal: Downloader = async (url, maxBytes) => {
  const path = fileURLToPath(url);
  // Checked just before (see readLocalFiles); failing now means it changed meanwhile.
  const handle = await open(path).catch((err: Error) => {
    throw new DownloadError('network', `cannot open ${path}: ${err.message}`);
  });
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new DownloadError('too_large', `${path} is larger than the limit`);
    return { bytes: await handle.readFile(), hosts: ['local'] };
  } finally {
    await handle.close();
  }
};

/** The file's stat once it is known to be readable, or why not. */
async function readableStat(path: string) {
  try {
    await access(path, constants.R_OK);
    return await stat(path);
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

/** Why a named file cannot be read at all, in the words of the terminal (not of a Slack download). */
function unreadable(err: NodeJS.ErrnoException, path: string): FileReason {
  if (err.code === 'ENOENT') return { key: 'local_missing', path };
  if (err.code === 'EACCES' || err.code === 'EPERM') return { key: 'local_denied', path };
  return { key: 'local_unreadable', path, code: err.code ?? err.message };
}

/**
 * Files named on the terminal go through the same preparation as Slack attachments (sniffing, downscaling,
 * limits, skip notices), so `threadwise chat` shows what the bot would send. A path that names no readable file
 * is skipped with its own reason first.
 */
export async function readLocalFiles(
  paths: readonly string[],
  messageTs: string,
  detail: ImageDetail,
  files: FileConfig['files'],
  log: Logger,
): Promise<PreparedFiles> {
  const found: SlackFile[] = [];
  const missing: SkippedFile[] = [];
  for (const p of paths) {
    const absolute = resolve(p);
    const info = await readableStat(absolute);
    if (info instanceof Error) missing.push({ name: basename(absolute), reason: unreadable(info, p) });
    else if (!info.isFile()) missing.push({ name: basename(absolute), reason: { key: 'local_not_file', path: p } });
    else
      found.push({
        id: `local${found.length}`,
        name: basename(absolute),
        size: info.size,
        mode: 'hosted',
        url_private_download: pathToFileURL(absolute).href,
      });
  }
  const prepared = await prepareFiles(
    found,
    { messageTs, detail },
    { download: readLocal, fileInfo: async () => undefined, limits: fileLimits(files), log },
  );
  return { attachments: prepared.attachments, skipped: [...missing, ...prepared.skipped] };
}
