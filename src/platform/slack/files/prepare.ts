import type { Logger } from 'pino';
import type { FileConfig } from '../../../config/file-schema.js';
import { OPENAI_REQUEST_LIMITS } from '../../../turn/attachment-budget.js';
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

const mb = (bytes: number) =>
  bytes < 1_000_000
    ? `${Math.max(1, Math.round(bytes / 1_000))} KB`
    : `${Math.round((bytes / 1_000_000) * 10) / 10} MB`;

class Skip extends Error {}

/** Why a file cannot be downloaded at all, judged from its Slack file object. */
function unavailable(f: SlackFile): string | undefined {
  if (f.mode === 'tombstone') return 'it was deleted';
  if (f.mode === 'hidden_by_limit') return "it is hidden by the workspace's file storage limit";
  if (f.is_external || f.mode === 'external')
    return 'it is a link to an external service, not a file uploaded to Slack';
  if (!f.url_private_download && !f.url_private) return 'Slack did not provide a download link';
  return undefined;
}

function downloadReason(err: DownloadError, limit: number): string {
  switch (err.failure) {
    case 'too_large':
      return `it is larger than the ${mb(limit)} download limit`;
    case 'http_status':
      return `Slack refused the download (HTTP ${err.status ?? '?'})`;
    case 'timeout':
      return 'the download took too long';
    default:
      return 'the download failed';
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
  const imageLimitReason = () =>
    limits.imagesPerTurn === 0
      ? 'images are not read here'
      : `only ${limits.imagesPerTurn} image${limits.imagesPerTurn === 1 ? ' is' : 's are'} read per message`;
  const fitRequest = (bytes: number) => {
    if (requestBytes + bytes > limits.maxRequestBytes)
      throw new Skip(`the message's files exceed the ${mb(limits.maxRequestBytes)} limit per request`);
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
      if (file.size === 0) throw new Skip('the file is empty');
      if (file.size && file.size > limits.maxDownloadBytes)
        throw new Skip(`it is ${mb(file.size)}, over the ${mb(limits.maxDownloadBytes)} limit`);
      if (file.mimetype?.startsWith('image/') && images >= limits.imagesPerTurn) throw new Skip(imageLimitReason());

      const { bytes } = await deps.download((file.url_private_download ?? file.url_private)!, limits.maxDownloadBytes);
      const kind = await sniff(bytes);
      switch (kind.kind) {
        case 'empty':
          throw new Skip('the file is empty');
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
          if (bytes.byteLength > limits.maxPdfBytes) throw new Skip(`PDFs are read up to ${mb(limits.maxPdfBytes)}`);
          const pages = await countPdfPages(bytes);
          // No request could carry it: OpenAI reads at most this many pages of PDFs per request.
          if (pages && pages > OPENAI_REQUEST_LIMITS.filePages)
            throw new Skip(`it has ${pages} pages; PDFs are read up to ${OPENAI_REQUEST_LIMITS.filePages} pages`);
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
            throw new Skip('Slack sent a sign-in page instead of the file (the app may lack the files:read scope)');
          }
          attachments.push(textAttachment(name, kind.text, limits.textMaxChars));
          break;
        case 'text':
          attachments.push(textAttachment(name, kind.text, limits.textMaxChars));
          break;
        case 'binary':
          throw new Skip(`${describeBinary(file, kind.label)} files can't be read (only images, PDFs and text files)`);
      }
    } catch (err) {
      const reason = skipReason(err, limits);
      if (reason === undefined) deps.log.error({ err, file: original.id }, 'preparing a Slack file failed');
      skipped.push({ name, reason: reason ?? 'something went wrong while reading it' });
      deps.log.info(
        {
          file: original.id,
          reason: reason ?? 'internal error',
          detail: err instanceof Skip ? undefined : (err as Error).message,
        },
        'Slack file skipped',
      );
    }
  }
  return { attachments, skipped };
}

/** The user-facing reason for an expected failure; undefined for a bug. */
function skipReason(err: unknown, limits: FileLimits): string | undefined {
  if (err instanceof Skip) return err.message;
  if (err instanceof DownloadError) return downloadReason(err, limits.maxDownloadBytes);
  if (err instanceof ImageError) return 'it could not be read as an image (damaged or unsupported)';
  return undefined;
}

function textAttachment(name: string, text: string, maxChars: number): Attachment {
  const capped = capText(text, maxChars);
  return { kind: 'text', name, text: capped.text, totalChars: text.length, truncated: capped.truncated };
}

const isDeclaredHtml = (f: SlackFile) => f.mimetype === 'text/html' || f.filetype === 'html';

function describeBinary(f: SlackFile, sniffed: string): string {
  if (sniffed !== 'binary') return sniffed;
  return f.pretty_type || (f.filetype && f.filetype !== 'binary' ? f.filetype.toUpperCase() : 'Binary');
}
