import type { ThreadMessage } from './thread-reader.js';

/** About 10k tokens: enough for a long thread, small enough to leave room for the answer. */
const MAX_TRANSCRIPT_CHARS = 40_000;

function line(m: ThreadMessage, botUserId: string): string {
  const who = m.user === botUserId ? 'Threadwise (you)' : m.user ? `<@${m.user}>` : (m.username ?? 'a bot');
  const when = new Date(Number(m.ts) * 1000).toISOString().slice(0, 16).replace('T', ' ');
  const files = m.files?.length ? ` [attached: ${m.files.map((f) => f.name || f.title || 'a file').join(', ')}]` : '';
  return `${who} (${when} UTC): ${m.text.trim() || '(no text)'}${files}`;
}

/**
 * A thread as text for the model, Slack markup left in place (the turn resolves it into names). When it is too
 * long, the first message and the newest replies are kept and the gap is stated.
 */
export function threadTranscript(
  messages: readonly ThreadMessage[],
  botUserId: string,
  maxChars = MAX_TRANSCRIPT_CHARS,
): string {
  const lines = messages.map((m) => line(m, botUserId));
  const [first, ...rest] = lines;
  if (first === undefined) return '(the thread is empty)';
  let used = first.length;
  const kept: string[] = [];
  for (let i = rest.length - 1; i >= 0; i--) {
    const l = rest[i]!;
    if (used + l.length + 1 > maxChars) break;
    kept.unshift(l);
    used += l.length + 1;
  }
  const dropped = rest.length - kept.length;
  const gap = dropped ? [`(${dropped} earlier ${dropped === 1 ? 'reply is' : 'replies are'} left out for length)`] : [];
  return [first.length > maxChars ? `${first.slice(0, maxChars - 1)}…` : first, ...gap, ...kept].join('\n');
}

/** What a "Summarize thread" shortcut asks the model. */
export function summaryRequest(transcript: string, count: number): string {
  return [
    `Summarize this Slack thread (${count} message${count === 1 ? '' : 's'}) for me: the topic or problem, what was found or decided, open questions, and next steps with owners where named.`,
    'Keep it short: a one-line gist, then a few bullets. Only use what the thread says.',
    '',
    '--- thread ---',
    transcript,
    '--- end of thread ---',
  ].join('\n');
}
