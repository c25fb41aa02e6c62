import { say } from '../i18n/phrase.js';
import type { Translator } from '../i18n/translators.js';
import { fileReasonText, type LeftOutReason, leftOutText } from './file-reasons.js';
import type { Citation, ModelCall, ModelError, Source } from './ports.js';
import type { Attachment, SkippedFile } from './thread.js';

export interface ErrorContext {
  stallSeconds: number;
  /** Whether the admins have been told (out of quota): only then may the notice say so. */
  adminAlerted: boolean;
}

/** A short, specific sentence for the user, in their language; details go to the log. */
export function noticeForError(t: Translator, err: ModelError, { stallSeconds, adminAlerted }: ErrorContext): string {
  // ICU selects leave the parenthesis out for "none": a message is never assembled from pieces.
  const reference = err.details.requestId ?? 'none';
  switch (err.kind) {
    case 'rate_limited':
      return t.t('notice.error.rate_limited', { reference });
    case 'quota':
      return t.t(adminAlerted ? 'notice.error.quota_alerted' : 'notice.error.quota_tell_admin', { reference });
    case 'server':
      return t.t('notice.error.server', { reference, status: err.details.status ?? 'none' });
    case 'timeout':
      return t.t('notice.error.timeout', { reference });
    case 'stalled':
      return t.t('notice.error.stalled', { reference, seconds: stallSeconds });
    case 'connection':
      return t.t('notice.error.connection', { reference });
    case 'context_length':
      return t.t('notice.error.context_length', { reference });
    case 'auth':
      return t.t('notice.error.auth', { reference });
    case 'model_missing':
      return t.t('notice.error.model_missing', { reference, code: err.details.code ?? 'model_not_found' });
    case 'previous_response_missing':
    case 'bad_request':
      return t.t('notice.error.bad_request', { reference, code: err.details.code ?? 'none' });
    case 'aborted':
      return t.t('notice.error.aborted');
  }
}

/** Why an answer stopped early, when it did. */
export function noticeForIncomplete(t: Translator, call: ModelCall, maxOutputTokens: number): string | undefined {
  if (call.status !== 'incomplete') return undefined;
  if (call.incompleteReason === 'max_output_tokens')
    return t.t('notice.incomplete.max_output_tokens', { max: maxOutputTokens });
  if (call.incompleteReason === 'content_filter') return t.t('notice.incomplete.content_filter');
  return t.t('notice.incomplete.other', { reason: call.incompleteReason ?? 'incomplete' });
}

/** A file name safe to show inside inline code in Slack: no backticks, line breaks or markup brackets. */
function shownName(t: Translator, name: string): string {
  const clean = name.replace(/[`<>\r\n]+/g, ' ').trim() || t.t('notice.files.unnamed');
  return clean.length > 80 ? `${clean.slice(0, 77)}…` : clean;
}

/** One visible line per file that was skipped or only partly read, so the asker knows what the answer is based on. */
export function noticeForFiles(
  t: Translator,
  attachments: readonly Attachment[],
  skipped: readonly SkippedFile[],
): string | undefined {
  const lines = skipped.map((s) =>
    t.t('notice.files.skipped', { name: shownName(t, s.name), reason: fileReasonText(t, s.reason) }),
  );
  for (const a of attachments) {
    if (a.kind === 'text' && a.truncated)
      lines.push(
        t.t('notice.files.truncated', { read: a.text.length, total: a.totalChars, name: shownName(t, a.name) }),
      );
  }
  return lines.length ? lines.join('\n') : undefined;
}

/**
 * What the answer drew on, each once, so the asker can check it: policies, tickets and earlier threads as links
 * (their title when they have no URL), and the documents hosted file_search cited.
 */
export function noticeForSources(
  t: Translator,
  citations: readonly Citation[],
  sources: readonly Source[] = [],
): string | undefined {
  const seen = new Set<string>();
  const shown: string[] = [];
  for (const s of sources) {
    const id = s.url ?? s.title;
    if (seen.has(id)) continue;
    seen.add(id);
    const title = (s.label ? say(t, s.label) : s.title).replace(/[[\]\n]/g, ' ').trim();
    shown.push(s.url && /^https?:\/\//.test(s.url) ? `[${title}](${s.url})` : title);
  }
  for (const name of new Set(citations.map((c) => shownName(t, c.filename)))) shown.push(`\`${name}\``);
  return shown.length ? t.t('notice.sources', { list: t.list(shown) }) : undefined;
}

/** Files of the thread that this answer could not read (OpenAI's per-request limits); newer files went first. */
export function noticeForLeftOut(
  t: Translator,
  leftOut: ReadonlyArray<{ name: string; reason: LeftOutReason }>,
): string | undefined {
  const byReason = new Map<LeftOutReason, string[]>();
  for (const f of leftOut) byReason.set(f.reason, [...(byReason.get(f.reason) ?? []), `\`${shownName(t, f.name)}\``]);
  const lines = [...byReason].map(([reason, names]) =>
    t.t('notice.files.left_out', { names: t.list(names), reason: leftOutText(t, reason) }),
  );
  return lines.length ? lines.join('\n') : undefined;
}

/**
 * The question alone did not fit the context window, so the model read only its beginning and its end (like a
 * long file, the asker should know what the answer is based on).
 */
export function noticeForShortenedQuestion(t: Translator, totalChars: number, readChars: number): string {
  return t.t('notice.shortened_question', { read: readChars, total: totalChars });
}

/** The model kept asking for tools: the turn ends rather than loop (and spend) without bound. */
export function noticeForRoundLimit(t: Translator, maxRounds: number): string {
  return t.t('notice.round_limit', { rounds: maxRounds });
}
