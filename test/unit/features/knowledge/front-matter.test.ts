import { describe, expect, it } from 'vitest';
import { splitDocument } from '../../../../src/features/knowledge/policy-index.js';

describe('policy front matter', () => {
  it('gives every passage the url (and title) of the front matter, which is not indexed as text', () => {
    const passages = splitDocument(
      'travel.md',
      '---\nurl: https://wiki.example.com/travel\ntitle: Travel\n---\n# Travel Policy\n\n## Booking\n\nBook early.\n',
    );
    expect(passages).toEqual([
      {
        document: 'travel.md',
        title: 'Travel',
        section: 'Booking',
        text: 'Book early.',
        url: 'https://wiki.example.com/travel',
      },
    ]);
  });

  it('reads a document without front matter (or with a broken block) as written', () => {
    const [p] = splitDocument('a.md', '---\n: : :\n---\n# A\n\ntext\n');
    expect(p).toMatchObject({ title: 'A' });
    expect(p).not.toHaveProperty('url');
    expect(splitDocument('b.md', '# B\n\ntext\n')[0]).not.toHaveProperty('url');
  });
});
