import { describe, expect, it } from 'vitest';
import { knowledgeSource } from '../../../src/features/knowledge/search-knowledge.js';
import { noticeForSources } from '../../../src/turn/notices.js';
import { en, translators } from '../../support/translators.js';

describe('the sources under an answer', () => {
  it('lists policies, tickets and threads as Markdown links, else by title, each once, then file_search files', () => {
    const notice = noticeForSources(
      en,
      [{ fileId: 'file-1', filename: 'handbook.pdf' }],
      [
        { title: 'Travel Policy', url: 'https://wiki.example.com/travel' },
        { title: 'SUP-101: VPN drops', url: 'https://support.example.com/tickets/SUP-101' },
        { title: 'Travel Policy', url: 'https://wiki.example.com/travel' },
        { title: 'Expenses Policy' },
      ],
    );
    expect(notice).toBe(
      '📚 _Sources: [Travel Policy](https://wiki.example.com/travel), [SUP-101: VPN drops](https://support.example.com/tickets/SUP-101), Expenses Policy, `handbook.pdf`_',
    );
  });

  it('never makes a link of another scheme, and keeps brackets in a title from breaking the link', () => {
    expect(noticeForSources(en, [], [{ title: 'Odd [draft]', url: 'javascript:alert(1)' }])).toBe(
      '📚 _Sources: Odd  draft_',
    );
  });

  it('names an approved answer as such in the reader’s language, while the model keeps reading its English cue', () => {
    const source = knowledgeSource({
      source: 'approved',
      documentId: 'a1',
      title: 'VPN on hotel wifi',
      section: '',
      text: 'Use the tethering profile.',
      url: 'https://acme.slack.com/archives/C1/p1',
      approved: true,
      score: 1,
    });
    expect(source.title).toBe('Approved answer: VPN on hotel wifi');
    expect(noticeForSources(translators.forLocale('de-DE'), [], [source])).toBe(
      '📚 _Quellen: [Freigegebene Antwort: VPN on hotel wifi](https://acme.slack.com/archives/C1/p1)_',
    );
  });

  it('says nothing when the answer drew on nothing', () => {
    expect(noticeForSources(en, [], [])).toBeUndefined();
  });
});
