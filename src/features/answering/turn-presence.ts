import type { Translator } from '../../i18n/translators.js';
import type { SlackFile } from '../../platform/slack/files/slack-file.js';

/**
 * The status line while a turn starts, specific to what it is about to do first, in the asker's language.
 * `configured`: the operator's own loading messages (assistant.loading_messages), shown as written; unset, the
 * catalogs' three in the asker's language.
 */
export function startingStatus(
  t: Translator,
  files: readonly SlackFile[] | undefined,
  configured: readonly string[] | undefined,
): { text: string; loading: string[] } {
  const loading = configured ?? [t.t('loading.reading_thread'), t.t('loading.thinking'), t.t('loading.writing')];
  const images = (files ?? []).filter((f) => f.mimetype?.startsWith('image/')).length;
  if (images) {
    const count = { count: images };
    return {
      text: t.t('status.reading_images', count),
      loading: [t.t('loading.reading_images', count), ...loading],
    };
  }
  if (files?.length) return { text: t.t('status.reading_file'), loading: [t.t('loading.reading_file'), ...loading] };
  return { text: t.t('status.thinking'), loading: [...loading] };
}

/** A DM thread's title from its first question: one line, at most 60 characters, cut at a word. */
export function titleFrom(question: string): string | undefined {
  const line = question.replace(/\s+/g, ' ').trim();
  if (!line) return undefined;
  if (line.length <= 60) return line;
  const cut = line.slice(0, 59);
  const space = cut.lastIndexOf(' ');
  return `${(space > 30 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, '')}…`;
}
