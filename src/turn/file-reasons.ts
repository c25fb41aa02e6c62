import type { Translator } from '../i18n/translators.js';
import { OPENAI_REQUEST_LIMITS } from './attachment-budget.js';

/** Reasons that need no value: the catalogs' `files.skip.<key>` says it all. */
export const PLAIN_FILE_REASONS = [
  'deleted',
  'storage_limit',
  'external',
  'no_link',
  'empty',
  'images_off',
  'sign_in_page',
  'download_timeout',
  'download_failed',
  'bad_image',
  'unsupported_binary',
  'internal',
] as const;

/**
 * Why a file was not given to the model, as catalog words rather than an English sentence, so the skip notice is
 * written in the asker's language (and the model reads the English one). Sizes are bytes, formatted when shown.
 */
export type FileReason =
  | { key: (typeof PLAIN_FILE_REASONS)[number] }
  /** Slack's size of the file against `files.max_download_bytes`. */
  | { key: 'over_limit'; size: number; limit: number }
  /** The download grew past `files.max_download_bytes` (the size Slack gave was missing or wrong). */
  | { key: 'download_too_large'; limit: number }
  /** `status` absent: Slack's answer carried none. */
  | { key: 'download_refused'; status?: number }
  | { key: 'image_limit'; count: number }
  | { key: 'request_limit'; limit: number }
  | { key: 'pdf_too_large'; limit: number }
  | { key: 'pdf_pages'; pages: number; limit: number }
  /** `type`: what the file is ("ZIP", Slack's pretty type). */
  | { key: 'unsupported'; type: string }
  /** Files named on the terminal (`threadwise chat`); `path` as typed. */
  | { key: 'local_missing'; path: string }
  | { key: 'local_denied'; path: string }
  | { key: 'local_unreadable'; path: string; code: string }
  | { key: 'local_not_file'; path: string };

/**
 * Why a file already in the thread was left out of one request (never stored): OpenAI's per-request limits on PDFs
 * and images, or `files.max_request_bytes`.
 */
export type LeftOutReason = 'pdf_limit' | 'image_limit' | 'request_bytes';

/** "80 MB", "3 kB": a size as the language writes it (CLDR units), kilobytes below a megabyte (decimal units). */
export function fileSize(language: string, bytes: number): string {
  const [value, unit] =
    bytes < 1_000_000
      ? [Math.max(1, Math.round(bytes / 1_000)), 'kilobyte']
      : [Math.round((bytes / 1_000_000) * 10) / 10, 'megabyte'];
  return new Intl.NumberFormat(language, { style: 'unit', unit, unitDisplay: 'short' }).format(value);
}

/** The reason as a phrase of the reader's language, to fill a notice's `{reason}`. */
export function fileReasonText(t: Translator, reason: FileReason | string): string {
  // A reason stored by a version before the catalogs: an English phrase, kept as written.
  if (typeof reason === 'string') return reason;
  const size = (bytes: number) => fileSize(t.language, bytes);
  switch (reason.key) {
    case 'over_limit':
      return t.t('files.skip.over_limit', { size: size(reason.size), limit: size(reason.limit) });
    case 'download_too_large':
    case 'request_limit':
    case 'pdf_too_large':
      return t.t(`files.skip.${reason.key}`, { limit: size(reason.limit) });
    case 'download_refused':
      return t.t('files.skip.download_refused', { status: reason.status ?? 'none' });
    case 'image_limit':
      return t.t('files.skip.image_limit', { count: reason.count });
    case 'pdf_pages':
      return t.t('files.skip.pdf_pages', { pages: reason.pages, limit: reason.limit });
    case 'unsupported':
      return t.t('files.skip.unsupported', { type: reason.type });
    case 'local_missing':
    case 'local_denied':
    case 'local_not_file':
      return t.t(`files.skip.${reason.key}`, { path: reason.path });
    case 'local_unreadable':
      return t.t('files.skip.local_unreadable', { path: reason.path, code: reason.code });
    default:
      return t.t(`files.skip.${reason.key}`);
  }
}

/** Why files were left out of this request, as a phrase of the reader's language. */
export function leftOutText(t: Translator, reason: LeftOutReason): string {
  const limits = OPENAI_REQUEST_LIMITS;
  switch (reason) {
    case 'pdf_limit':
      return t.t('files.left_out.pdf_limit', { size: fileSize(t.language, limits.fileBytes), pages: limits.filePages });
    case 'image_limit':
      return t.t('files.left_out.image_limit', {
        size: fileSize(t.language, limits.imageBytes),
        images: limits.images,
      });
    case 'request_bytes':
      return t.t('files.left_out.request_bytes');
  }
}
