import { z } from 'zod';
import type { KnowledgeProvider, SourceChanges, SourceDocument } from '../contracts.js';
import { type ServiceAccountKey, ServiceAccountTokens } from './google-service-account.js';
import { diffListing, KEEP, type Listed } from './listing-diff.js';
import { pdfToText } from './pdf-text.js';
import { SourceError, SourceHttp } from './source-http.js';

export interface SourceLog {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface GoogleDriveOptions {
  name: string;
  folderId: string;
  key: ServiceAccountKey;
  /** Named in messages about the key, never its value. */
  credentialsEnv: string;
  log: SourceLog;
  /** For tests and proxies; defaults to https://www.googleapis.com. */
  baseUrl?: string;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const FOLDER = 'application/vnd.google-apps.folder';
const GOOGLE_DOC = 'application/vnd.google-apps.document';
const PDF = 'application/pdf';
const TEXT = new Set(['text/plain', 'text/markdown']);
/** Read-only access to what is shared with the service account, nothing more. */
export const DRIVE_SCOPE = 'https://www.googleapis.com/auth/drive.readonly';
/** Larger PDFs are left out (and logged): a manual that size would crowd out every other passage anyway. */
const MAX_PDF_BYTES = 30 * 1024 * 1024;

const fileSchema = z.object({
  id: z.string(),
  name: z.string(),
  mimeType: z.string(),
  modifiedTime: z.string(),
  version: z.string().optional(),
  webViewLink: z.string().optional(),
  size: z.string().optional(),
});
type DriveFile = z.infer<typeof fileSchema>;
const listSchema = z.object({ files: z.array(fileSchema), nextPageToken: z.string().optional() });
const LIST_FIELDS = 'nextPageToken,files(id,name,mimeType,modifiedTime,version,webViewLink,size)';

interface ListedFile extends Listed {
  file: DriveFile;
}

/** Google reports per-user and per-project quotas as 403 with one of these reasons, to be retried like a 429. */
function isQuota403(body: string): boolean {
  return /"reason"\s*:\s*"(rateLimitExceeded|userRateLimitExceeded)"/.test(body);
}

/**
 * Google Drive API v3: the Google Docs, PDFs and text files in a folder shared with a service account, and in its
 * subfolders (files.list with `'<folder>' in parents and trashed = false`, paged by pageToken). A file's
 * `version` says whether it changed; only changed files are read: Docs exported as Markdown, PDFs downloaded
 * (alt=media) and their text extracted. Trashed, deleted or unshared files drop out of the listing and are deleted.
 */
export class GoogleDriveProvider implements KnowledgeProvider {
  readonly kind = 'google_drive' as const;
  readonly name: string;
  private readonly http: SourceHttp;

  constructor(private readonly o: GoogleDriveOptions) {
    this.name = o.name;
    const label = `Google Drive source "${o.name}"`;
    const tokens = new ServiceAccountTokens({
      key: o.key,
      scope: DRIVE_SCOPE,
      label,
      envName: o.credentialsEnv,
      now: o.now,
      sleep: o.sleep,
    });
    this.http = new SourceHttp({
      label,
      baseUrl: o.baseUrl ?? 'https://www.googleapis.com',
      auth: async (signal) => ({ authorization: `Bearer ${await tokens.token(signal)}` }),
      check401: `the service account key in ${o.credentialsEnv}`,
      check403: `that the folder is shared with ${o.key.client_email} and the Drive API is enabled in its project`,
      isRateLimit403: isQuota403,
      sleep: o.sleep,
    });
  }

  async changes(known: ReadonlyMap<string, string>, signal: AbortSignal): Promise<SourceChanges> {
    const listed = (await this.listTree(signal)).map((file) => ({
      id: file.id,
      // `version` rises with every change to the file, its content or its metadata; modifiedTime is the fallback.
      version: file.version ?? file.modifiedTime,
      file,
    }));
    return diffListing(known, listed, (entry) => this.read(entry, signal), signal);
  }

  /** Every readable file under the folder, breadth first; a folder reached twice (two parents) is read once. */
  private async listTree(signal: AbortSignal): Promise<DriveFile[]> {
    const files: DriveFile[] = [];
    const seen = new Set([this.o.folderId]);
    const queue = [this.o.folderId];
    for (let folder = queue.shift(); folder !== undefined; folder = queue.shift()) {
      for (const file of await this.listFolder(folder, signal)) {
        if (file.mimeType !== FOLDER) {
          if (file.mimeType === GOOGLE_DOC || file.mimeType === PDF || TEXT.has(file.mimeType)) files.push(file);
        } else if (!seen.has(file.id)) {
          seen.add(file.id);
          queue.push(file.id);
        }
      }
    }
    return files;
  }

  private async listFolder(folder: string, signal: AbortSignal): Promise<DriveFile[]> {
    const out: DriveFile[] = [];
    let pageToken: string | undefined;
    do {
      const res: z.infer<typeof listSchema> = await this.http.json(
        {
          path: '/drive/v3/files',
          query: {
            // Folder ids are [A-Za-z0-9_-] (checked in the settings), so they need no quoting inside q.
            q: `'${folder}' in parents and trashed = false`,
            fields: LIST_FIELDS,
            pageSize: 1000,
            pageToken,
            supportsAllDrives: true,
            includeItemsFromAllDrives: true,
          },
          what: folder === this.o.folderId ? `folder ${folder}` : `subfolder ${folder}`,
          signal,
        },
        listSchema,
      );
      out.push(...res.files);
      pageToken = res.nextPageToken;
    } while (pageToken);
    return out;
  }

  private async read(
    { file, version }: ListedFile,
    signal: AbortSignal,
  ): Promise<SourceDocument | undefined | typeof KEEP> {
    const path = `/drive/v3/files/${encodeURIComponent(file.id)}`;
    const what = `file "${file.name}"`;
    let text: string;
    try {
      if (file.mimeType === GOOGLE_DOC)
        text = await this.http.text(
          { path: `${path}/export`, query: { mimeType: 'text/markdown' }, what, signal },
          'text/markdown',
        );
      else if (TEXT.has(file.mimeType))
        text = await this.http.text({ path, query: { alt: 'media', supportsAllDrives: true }, what, signal });
      else {
        if (Number(file.size ?? 0) > MAX_PDF_BYTES) {
          this.o.log.warn(
            { source: this.name, file: file.name, bytes: Number(file.size) },
            'PDF too large to index; left out',
          );
          return KEEP;
        }
        const bytes = await this.http.bytes(
          { path, query: { alt: 'media', supportsAllDrives: true }, what, signal },
          PDF,
        );
        try {
          text = await pdfToText(bytes);
        } catch (err) {
          this.o.log.warn(
            { source: this.name, file: file.name, err: (err as Error).message },
            'PDF unreadable; left out',
          );
          return KEEP;
        }
      }
    } catch (err) {
      // Deleted or unshared between the listing and this read.
      if (err instanceof SourceError && err.reason === 'not_found') return undefined;
      if (err instanceof SourceError && err.detail?.includes('exportSizeLimitExceeded')) {
        this.o.log.warn({ source: this.name, file: file.name }, 'Doc over the 10 MB export limit; left out');
        return KEEP;
      }
      throw err;
    }
    return {
      id: file.id,
      title: file.name.replace(/\.(pdf|md|txt)$/i, ''),
      url: file.webViewLink,
      text: text.trim(),
      version,
    };
  }
}
