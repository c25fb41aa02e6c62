import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { findCandidates } from '../../../../src/features/desk/candidates.js';
import { createTranslators } from '../../../../src/i18n/translators.js';

const translators = createTranslators();
const log = pino({ level: 'silent' });
const ctx = {
  teamId: 'T1',
  channel: 'C0HELP',
  threadTs: '1.2',
  isDm: false,
  user: { id: 'U1', name: 'Yui' },
};
const solved = [
  {
    question: 'The floor 3 printer shows error E-42',
    answer: 'Hold the reset button for 10 seconds.',
    permalink: 'https://acme.slack.com/archives/C0HELP/p12',
    at: 1,
  },
];

describe('an earlier resolved thread as a desk answer’s source', () => {
  it('is titled in the asker’s language, since the title is shown under the answer', async () => {
    const titles = async (locale: string) =>
      (await findCandidates(undefined, ctx, 'printer E-42 again', solved, translators.forLocale(locale), log)).map(
        (c) => c.title,
      );
    expect(await titles('ja-JP')).toEqual(['以前のスレッド: The floor 3 printer shows error E-42']);
    expect(await titles('de-DE')).toEqual(['Früherer Thread: The floor 3 printer shows error E-42']);
    expect(await titles('ko-KR')).toEqual(['Earlier thread: The floor 3 printer shows error E-42']);
  });
});
