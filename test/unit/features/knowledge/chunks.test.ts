import { describe, expect, it } from 'vitest';
import { folderChanges, folderDocument } from '../../../../src/features/knowledge/folder-documents.js';
import { chunkDocument } from '../../../../src/features/knowledge/index/chunks.js';
import { reciprocalRankFusion } from '../../../../src/features/knowledge/index/fusion.js';

const doc = (text: string, over: Partial<{ title: string; url: string }> = {}) => ({
  id: 'travel.md',
  title: 'Travel Policy',
  text,
  version: '1',
  ...over,
});

describe('chunking by headings', () => {
  it('gives each passage its document title, link and heading path; a heading inside a code fence is text', () => {
    const parts = chunkDocument(
      doc(
        '# Travel Policy\n\nIntro.\n\n## Per diem\n\n### Meals\n\n60 EUR.\n\n```\n# not a heading\n```\n\n## Hotels\n\n180 EUR.',
        { url: 'https://wiki.example.com/travel' },
      ),
    );
    expect(parts.map((p) => [p.title, p.section])).toEqual([
      ['Travel Policy', ''],
      ['Travel Policy', 'Per diem › Meals'],
      ['Travel Policy', 'Hotels'],
    ]);
    expect(parts[1]!.text).toContain('# not a heading');
    expect(parts.every((p) => p.url === 'https://wiki.example.com/travel' && p.documentId === 'travel.md')).toBe(true);
  });

  it('splits a long section at paragraph boundaries, each part under the same heading', () => {
    const para = 'Receipts are needed. '.repeat(40).trim();
    const parts = chunkDocument(doc(`## Expenses\n\n${para}\n\n${para}\n\n${para}`));
    expect(parts.length).toBeGreaterThan(1);
    expect(new Set(parts.map((p) => p.section))).toEqual(new Set(['Expenses']));
    expect(parts.every((p) => p.text.length <= 1_300)).toBe(true);
  });
});

describe('folder documents', () => {
  it('take title and url from the front matter, which is not part of the text', () => {
    const d = folderDocument(
      'travel.md',
      '---\nurl: https://wiki.example.com/travel\ntitle: Travel\n---\n# Travel Policy\n\n## Booking\n\nBook early.\n',
    );
    expect(d).toMatchObject({ id: 'travel.md', title: 'Travel', url: 'https://wiki.example.com/travel' });
    expect(d.text).not.toContain('wiki.example.com');
    expect(chunkDocument(d)).toEqual([
      {
        documentId: 'travel.md',
        title: 'Travel',
        section: 'Booking',
        text: 'Book early.',
        url: 'https://wiki.example.com/travel',
      },
    ]);
  });

  it('read a file without front matter (or with a broken block) as written, titled by its heading or name', () => {
    expect(folderDocument('a.md', '---\n: : :\n---\n# A\n\ntext\n')).toMatchObject({ title: 'A' });
    expect(folderDocument('a.md', '# A\n\ntext\n')).not.toHaveProperty('url');
    expect(folderDocument('team/on-call_rota.txt', 'Who is on call.').title).toBe('on call rota');
  });

  it('change version only when the content changes, so unchanged files are not indexed again', () => {
    const a = folderDocument('a.md', '# A\n\none');
    expect(folderDocument('a.md', '# A\r\n\r\none').version).toBe(a.version);
    const b = folderDocument('a.md', '# A\n\ntwo');
    expect(b.version).not.toBe(a.version);
    const known = new Map([
      ['a.md', a.version],
      ['gone.md', 'x'],
    ]);
    expect(folderChanges([a], known)).toEqual({ upserts: [], deletes: ['gone.md'] });
    expect(folderChanges([b], known).upserts.map((d) => d.id)).toEqual(['a.md']);
  });
});

describe('reciprocal rank fusion', () => {
  it('puts what both rankings hold above what only one holds first', () => {
    const fused = reciprocalRankFusion([
      ['only-bm25', 'both'],
      ['only-vectors', 'both'],
    ]);
    expect(fused[0]!.id).toBe('both');
    expect(fused.map((f) => f.id).sort()).toEqual(['both', 'only-bm25', 'only-vectors']);
    expect(fused[0]!.score).toBeCloseTo(2 / 62);
  });

  it('keeps the order of a single ranking', () => {
    expect(reciprocalRankFusion([['a', 'b', 'c'], []]).map((f) => f.id)).toEqual(['a', 'b', 'c']);
  });
});
