import type { Logger } from 'pino';
import type { FileConfig } from '../../../config/file-schema.js';
import { OPENAI_REQUEST_LIMITS } from '../../../turn/attachment-budget.js';
import type { FileReason } from '../../../turn/file-reasons.js';
import type { Attachment, ImageDetail, SkippedFile } from '../../../turn/thread.js';
import { DownloadError, type Downloader } from './download.js';
import { ImageError, prepareImage } from './image.js';
import { countPdfPages } from './pdf-pages.js';
import { fileName, type SlackFile } from './slack-file.js';
import { sniff } from './sniff.js';
import { capText } from './text.js';

export interface FileLimits {
  imagesPerTurn: number;
  maxRequestBytes: number;
  maxDownloadBytes: number;
  maxPdfBytes: number;
  textMaxChars: number;
}

/** The `files:` settings as the preparation step reads them. */
export function fileLimits(files: FileConfig['files']): FileLimits {
  return {
    imagesPerTurn: files.images_per_turn,
    maxRequestBytes: files.max_request_bytes,
    maxDownloadBytes: files.max_download_bytes,
    maxPdfBytes: files.max_pdf_bytes,
    textMaxChars: files.text_max_chars,
  };
}

export interface PrepareContext {
  /** The message's ts: attachment ids are unique within the thread. */
  messageTs: string;
  detail: ImageDetail;
}

export interface PrepareDeps {
  download: Downloader;
  /** files.info, for stubs that carry no download URL (Slack Connect's `check_file_info`). */
  fileInfo: (id: string) => Promise<SlackFile | undefined>;
  limits: FileLimits;
  log: Logger;
}

export interface PreparedFiles {
  attachments: Attachment[];
  skipped: SkippedFile[];
}

/** An expected reason not to read a file; anything else thrown while reading one is a bug. */
class Skip extends Error {
  constructor(readonly reason: FileReason) {
    super(reason.key);
  }
}

/** Why a file cannot be downloaded at all, judged from its Slack file object. */
function unavailable(f: SlackFile): FileReason | undefined {
  if (f.mode === 'tombstone') return { key: 'deleted' };
  if (f.mode === 'hidden_by_limit') return { key: 'storage_limit' };
  if (f.is_external || f.mode === 'external') return { key: 'external' };
  if (!f.url_private_download && !f.url_private) return { key: 'no_link' };
  return undefined;
}

function downloadReason(err: DownloadError, limit: number): FileReason {
  switch (err.failure) {
    case 'too_large':
      return { key: 'download_too_large', limit };
    case 'http_status':
      return { key: 'download_refused', ...(err.status ? { status: err.status } : {}) };
    case 'timeout':
      return { key: 'download_timeout' };
    default:
      return { key: 'download_failed' };
  }
}

/**
 * Downloads and converts the files of one message, in order, within the configured limits. Every file either
 * becomes an attachment or a skip with a short reason; nothing here fails the turn.
 */
export async function prepareFiles(
  files: readonly SlackFile[],
  ctx: PrepareContext,
  deps: PrepareDeps,
): Promise<PreparedFiles> {
  const { limits } = deps;
  const attachments: Attachment[] = [];
  const skipped: SkippedFile[] = [];
  let images = 0;
  let requestBytes = 0;
  const imageLimitReason = (): FileReason =>
    limits.imagesPerTurn === 0 ? { key: 'images_off' } : { key: 'image_limit', count: limits.imagesPerTurn };
  const fitRequest = (bytes: number) => {
    if (requestBytes + bytes > limits.maxRequestBytes)
      throw new Skip({ key: 'request_limit', limit: limits.maxRequestBytes });
    requestBytes += bytes;
  };

  for (const [index, original] of files.entries()) {
    let name = fileName(original);
    const id = `${ctx.messageTs}-${index}`;
    try {
      const file =
        !original.url_private_download && !original.url_private
          ? ((await deps.fileInfo(original.id)) ?? original)
          : original;
      name = fileName(file);
      const why = unavailable(file);
      if (why) throw new Skip(why);
      if (file.size === 0) throw new Skip({ key: 'empty' });
      if (file.size && file.size > limits.maxDownloadBytes)
        throw new Skip({ key: 'over_limit', size: file.size, limit: limits.maxDownloadBytes });
      if (file.mimetype?.startsWith('image/') && images >= limits.imagesPerTurn) throw new Skip(imageLimitReason());

      const { bytes } = await deps.download((file.url_private_download ?? file.url_private)!, limits.maxDownloadBytes);
      const kind = await sniff(bytes);
      switch (kind.kind) {
        case 'empty':
          throw new Skip({ key: 'empty' });
        case 'image': {
          if (images >= limits.imagesPerTurn) throw new Skip(imageLimitReason());
          const img = await prepareImage(bytes);
          fitRequest(img.data.byteLength);
          images++;
          const note = img.animated ? 'first frame of an animation' : undefined;
          attachments.push({
            kind: 'image',
            id,
            name,
            mime: img.mime,
            width: img.width,
            height: img.height,
            detail: ctx.detail,
            ...(note ? { note } : {}),
            data: img.data,
          });
          break;
        }
        case 'pdf': {
          if (bytes.byteLength > limits.maxPdfBytes)
            throw new Skip({ key: 'pdf_too_large', limit: limits.maxPdfBytes });
          const pages = await countPdfPages(bytes);
          // No request could carry it: OpenAI reads at most this many pages of PDFs per request.
          if (pages && pages > OPENAI_REQUEST_LIMITS.filePages)
            throw new Skip({ key: 'pdf_pages', pages, limit: OPENAI_REQUEST_LIMITS.filePages });
          fitRequest(bytes.byteLength);
          attachments.push({
            kind: 'pdf',
            id,
            name,
            bytes: bytes.byteLength,
            ...(pages ? { pages } : {}),
            data: bytes,
          });
          break;
        }
        case 'html':
          // Slack answers a download it does not authorise with its sign-in page and HTTP 200.
          if (!isDeclaredHtml(file) || bytes.byteLength !== file.size) {
            throw new Skip({ key: 'sign_in_page' });
          }
          attachments.push(textAttachment(name, kind.text, limits.textMaxChars));
          break;
        case 'text':
          attachments.push(textAttachment(name, kind.text, limits.textMaxChars));
          break;
        case 'binary':
          throw new Skip(unsupported(file, kind.label));
      }
    } catch (err) {
      const reason = skipReason(err, limits);
      if (reason === undefined) deps.log.error({ err, file: original.id }, 'preparing a Slack file failed');
      skipped.push({ name, reason: reason ?? { key: 'internal' } });
      deps.log.info(
        {
          file: original.id,
          reason: reason ?? { key: 'internal' },
          detail: err instanceof Skip ? undefined : (err as Error).message,
        },
        'Slack file skipped',
      );
    }
  }
  return { attachments, skipped };
}

/** The reason shown for an expected failure; undefined for a bug. */
function skipReason(err: unknown, limits: FileLimits): FileReason | undefined {
  if (err instanceof Skip) return err.reason;
  if (err instanceof DownloadError) return downloadReason(err, limits.maxDownloadBytes);
  if (err instanceof ImageError) return { key: 'bad_image' };
  return undefined;
}

function textAttachment(name: string, text: string, maxChars: number): Attachment {
  const capped = capText(text, maxChars);
  return { kind: 'text', name, text: capped.text, totalChars: text.length, truncated: capped.truncated };
}

const isDeclaredHtml = (f: SlackFile) => f.mimetype === 'text/html' || f.filetype === 'html';

/** A file of a kind the model cannot read, named by what it is ("ZIP", Slack's pretty type) when that is known. */
function unsupported(f: SlackFile, sniffed: string): FileReason {
  const type =
    sniffed !== 'binary'
      ? sniffed
      : f.pretty_type || (f.filetype && f.filetype !== 'binary' ? f.filetype.toUpperCase() : '');
  return type ? { key: 'unsupported', type } : { key: 'unsupported_binary' };
}
