import type { Citation, ModelCall, ModelError, Source } from './ports.js';
import type { Attachment, SkippedFile } from './thread.js';

function reference(requestId?: string): string {
  return requestId ? ` (reference \`${requestId}\`)` : '';
}

export interface ErrorContext {
  stallSeconds: number;
  /** Whether the admins have been told (out of quota): only then may the notice say so. */
  adminAlerted: boolean;
}

/** A short, specific sentence for the user; details go to the log. */
export function noticeForError(err: ModelError, { stallSeconds, adminAlerted }: ErrorContext): string {
  const ref = reference(err.details.requestId);
  switch (err.kind) {
    case 'rate_limited':
      return `⚠️ OpenAI is rate-limiting us and retries did not get through. Please ask again in a minute${ref}.`;
    case 'quota':
      return `⚠️ The OpenAI account behind Threadwise is out of quota, so I can't answer right now. ${adminAlerted ? 'An admin has been alerted' : 'Please let an admin know: they need to add credit in the OpenAI dashboard'}${ref}.`;
    case 'server':
      return `⚠️ OpenAI answered with a server error${err.details.status ? ` (HTTP ${err.details.status})` : ''} and retries failed. Please try again shortly${ref}.`;
    case 'timeout':
      return `⚠️ OpenAI did not start answering in time, so I gave up. Please try again${ref}.`;
    case 'stalled':
      return `⚠️ The model stopped sending data for ${stallSeconds} s, so I stopped waiting. Please try again${ref}.`;
    case 'connection':
      return `⚠️ The connection to OpenAI broke off${ref}. Please try again.`;
    case 'context_length':
      return `⚠️ This conversation no longer fits the model's context window. Start a new thread or run \`/threadwise reset\`${ref}.`;
    case 'auth':
      return `⚠️ OpenAI rejected Threadwise's credentials. An admin needs to check the API key${ref}.`;
    case 'model_missing':
      return `⚠️ The model this conversation uses is no longer available at OpenAI (\`${err.details.code ?? 'model_not_found'}\`), and no fallback model is configured. An admin needs to set \`openai.fallback_model\` or change the model${ref}.`;
    case 'previous_response_missing':
    case 'bad_request':
      return `⚠️ OpenAI rejected the request${err.details.code ? ` (\`${err.details.code}\`)` : ''}. An admin can find the details in the logs${ref}.`;
    case 'aborted':
      return '⚠️ This answer was interrupted before it finished.';
  }
}

/** Closes an answer the person stopped (Slack's Stop button): what was shown stays, this says why it ends. */
export const STOPPED_NOTE = '_Stopped._';

/** Why an answer stopped early, when it did. */
export function noticeForIncomplete(call: ModelCall, maxOutputTokens: number): string | undefined {
  if (call.status !== 'incomplete') return undefined;
  if (call.incompleteReason === 'max_output_tokens') {
    return `✂️ _The answer was cut off at the length limit (${maxOutputTokens} tokens). Ask me to continue._`;
  }
  if (call.incompleteReason === 'content_filter') return "🚫 _The answer was stopped by OpenAI's content filter._";
  return `_The answer ended early (${call.incompleteReason ?? 'incomplete'})._`;
}

/** A file name safe to show inside inline code in Slack: no backticks, line breaks or markup brackets. */
function shownName(name: string): string {
  const clean = name.replace(/[`<>\r\n]+/g, ' ').trim() || 'unnamed file';
  return clean.length > 80 ? `${clean.slice(0, 77)}…` : clean;
}

/** One visible line per file that was skipped or only partly read, so the asker knows what the answer is based on. */
export function noticeForFiles(
  attachments: readonly Attachment[],
  skipped: readonly SkippedFile[],
): string | undefined {
  const lines = skipped.map((s) => `📎 _Skipped \`${shownName(s.name)}\`: ${s.reason}._`);
  for (const a of attachments) {
    if (a.kind === 'text' && a.truncated) {
      lines.push(
        `✂️ _Read only the first ${a.text.length.toLocaleString('en-US')} of ${a.totalChars.toLocaleString('en-US')} characters of \`${shownName(a.name)}\`._`,
      );
    }
  }
  return lines.length ? lines.join('\n') : undefined;
}

/**
 * What the answer drew on, each once, so the asker can check it: policies, tickets and earlier threads as links
 * (their title when they have no URL), and the documents hosted file_search cited.
 */
export function noticeForSources(citations: readonly Citation[], sources: readonly Source[] = []): string | undefined {
  const seen = new Set<string>();
  const shown: string[] = [];
  for (const s of sources) {
    const id = s.url ?? s.title;
    if (seen.has(id)) continue;
    seen.add(id);
    const title = s.title.replace(/[[\]\n]/g, ' ').trim();
    shown.push(s.url && /^https?:\/\//.test(s.url) ? `[${title}](${s.url})` : title);
  }
  for (const name of new Set(citations.map((c) => shownName(c.filename)))) shown.push(`\`${name}\``);
  return shown.length ? `📚 _Sources: ${shown.join(', ')}_` : undefined;
}

/** Files of the thread that this answer could not read (OpenAI's per-request limits); newer files went first. */
export function noticeForLeftOut(leftOut: ReadonlyArray<{ name: string; reason: string }>): string | undefined {
  const byReason = new Map<string, string[]>();
  for (const f of leftOut) byReason.set(f.reason, [...(byReason.get(f.reason) ?? []), `\`${shownName(f.name)}\``]);
  const lines = [...byReason].map(
    ([reason, names]) => `📎 _Not read for this answer: ${names.join(', ')} (${reason}; newer files went first)._`,
  );
  return lines.length ? lines.join('\n') : undefined;
}

/**
 * The question alone did not fit the context window, so the model read only its beginning and its end (like a
 * long file, the asker should know what the answer is based on).
 */
export function noticeForShortenedQuestion(totalChars: number, readChars: number): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `✂️ _Your message was too long to read in full: I read about ${n(readChars)} of its ${n(totalChars)} characters (the beginning and the end)._`;
}

/** The model kept asking for tools: the turn ends rather than loop (and spend) without bound. */
export function noticeForRoundLimit(maxRounds: number): string {
  return `🔁 _I stopped after ${maxRounds} rounds of looking things up without reaching an answer. Try a more specific question._`;
}

/** Heads an answer that was started over, after a broken model stream or a crashed replica. */
export const RESTART_NOTE = '_↻ Answer restarted after an interruption._';
