import type { ReplySink } from '../../turn/ports.js';
import { MarkdownGuard, neutraliseMarkdown } from './markdown-guard.js';

/**
 * The answer as it leaves for Slack: everything the turn shows (the model's words, notices quoting file names or
 * error codes, tool progress quoting the model's arguments) is neutralised, so none of it can ping, mention or
 * link. Streamed text goes through one guard, so a sequence split between two deltas is caught as well.
 */
export function guardedSink(sink: ReplySink): ReplySink {
  const guard = new MarkdownGuard();
  return {
    append: (delta) => {
      const safe = guard.push(delta);
      if (safe) sink.append(safe);
    },
    status: (text, kind, loading) => sink.status(neutraliseMarkdown(text), kind, neutraliseMarkdown(loading)),
    // Step titles quote the model's arguments (a search query); sources name tickets.
    ...(sink.steps
      ? {
          steps: (steps, status) =>
            sink.steps!(
              steps.map((s) => ({
                ...s,
                title: neutraliseMarkdown(s.title),
                ...(s.sources
                  ? { sources: s.sources.map((x) => ({ url: x.url, text: neutraliseMarkdown(x.text) })) }
                  : {}),
              })),
              status === undefined
                ? undefined
                : { text: neutraliseMarkdown(status.text), loading: neutraliseMarkdown(status.loading) },
            ),
        }
      : {}),
    restart: (note) => {
      guard.reset();
      return sink.restart(neutraliseMarkdown(note));
    },
    finish: (end) => {
      const tail = guard.flush();
      if (tail) sink.append(tail);
      return sink.finish({ ...end, ...(end.notice ? { notice: neutraliseMarkdown(end.notice) } : {}) });
    },
  };
}
