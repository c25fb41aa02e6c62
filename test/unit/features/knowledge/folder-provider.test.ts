import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderProvider } from '../../../../src/features/knowledge/sources/folder.js';
import { docxWith, pdfWith } from '../../../support/document-fixtures.js';

const signal = new AbortController().signal;
let dir: string;
const provider = (maxFileBytes = 1_048_576) => new FolderProvider({ name: 'handbook', dir, maxFileBytes });
const versions = (docs: Array<{ id: string; version: string }>) => new Map(docs.map((d) => [d.id, d.version]));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tw-folder-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('folder source', () => {
  it('reads Markdown (front matter title and url), text, PDF and DOCX files, subfolders included', async () => {
    writeFileSync(
      join(dir, 'travel.md'),
      '---\ntitle: Travel Policy\nurl: https://intranet.example.com/travel\n---\n# Travel\n\nBook economy.\n',
    );
    mkdirSync(join(dir, 'hr'));
    writeFileSync(join(dir, 'hr', 'leave_rules.txt'), 'Ask your manager two weeks ahead.');
    writeFileSync(join(dir, 'hr', 'per-diem.pdf'), await pdfWith('Per Diem Rates', ['Meals: 50 EUR a day.']));
    writeFileSync(join(dir, 'expenses.docx'), await docxWith('Expenses', ['Submit receipts within 30 days.']));
    writeFileSync(join(dir, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, '.git', 'notes.md'), '# hidden');

    const changes = await provider().changes(new Map(), signal);

    expect(changes.problems).toBeUndefined();
    expect(changes.deletes).toEqual([]);
    const byId = Object.fromEntries(changes.upserts.map((d) => [d.id, d]));
    expect(Object.keys(byId).sort()).toEqual(['expenses.docx', 'hr/leave_rules.txt', 'hr/per-diem.pdf', 'travel.md']);
    expect(byId['travel.md']).toMatchObject({
      title: 'Travel Policy',
      url: 'https://intranet.example.com/travel',
      text: '# Travel\n\nBook economy.\n',
    });
    expect(byId['hr/leave_rules.txt']).toMatchObject({
      title: 'leave rules',
      text: 'Ask your manager two weeks ahead.',
    });
    expect(byId['hr/per-diem.pdf']).toMatchObject({ title: 'Per Diem Rates', text: 'Meals: 50 EUR a day.' });
    expect(byId['expenses.docx']).toMatchObject({ title: 'Expenses' });
    expect(byId['expenses.docx']!.text).toBe('# Expenses\n\nSubmit receipts within 30 days.');
  });

  it('reads only files whose modified time or size changed, and lists removed files as deletes', async () => {
    writeFileSync(join(dir, 'a.md'), '# A\n\nfirst');
    writeFileSync(join(dir, 'b.md'), '# B\n\nstays');
    writeFileSync(join(dir, 'c.md'), '# C\n\ngoes');
    const first = await provider().changes(new Map(), signal);
    expect(first.upserts).toHaveLength(3);

    writeFileSync(join(dir, 'a.md'), '# A\n\nsecond version');
    rmSync(join(dir, 'c.md'));
    const second = await provider().changes(versions(first.upserts), signal);

    expect(second.upserts.map((d) => [d.id, d.text])).toEqual([['a.md', '# A\n\nsecond version']]);
    expect(second.deletes).toEqual(['c.md']);
  });

  it('a touched file with the same size is read again (its modified time is its version)', async () => {
    writeFileSync(join(dir, 'a.md'), '# A\n\none');
    const first = await provider().changes(new Map(), signal);
    writeFileSync(join(dir, 'a.md'), '# A\n\ntwo');
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(dir, 'a.md'), later, later);
    const second = await provider().changes(versions(first.upserts), signal);
    expect(second.upserts.map((d) => d.text)).toEqual(['# A\n\ntwo']);
  });

  it('a corrupt PDF, a corrupt DOCX, a binary text file and a file over the size limit each get a clear problem; the rest syncs', async () => {
    writeFileSync(join(dir, 'good.md'), '# Good\n\nfine');
    writeFileSync(join(dir, 'broken.pdf'), '%PDF-1.7\nthis is not really a pdf');
    writeFileSync(join(dir, 'broken.docx'), 'PK not a zip');
    writeFileSync(join(dir, 'binary.txt'), Buffer.from([0x41, 0x00, 0x42, 0x00]));
    writeFileSync(join(dir, 'huge.md'), `# Huge\n\n${'x'.repeat(4_000)}`);

    const changes = await provider(2_048).changes(new Map(), signal);

    expect(changes.upserts.map((d) => d.id)).toEqual(['good.md']);
    const problems = Object.fromEntries((changes.problems ?? []).map((p) => [p.id, p.message]));
    expect(Object.keys(problems).sort()).toEqual(['binary.txt', 'broken.docx', 'broken.pdf', 'huge.md']);
    expect(problems['broken.pdf']).toMatch(/^not a readable PDF/);
    expect(problems['broken.docx']).toMatch(/^not a readable DOCX/);
    expect(problems['binary.txt']).toBe('a binary file with a text extension');
    expect(problems['huge.md']).toMatch(/larger than the 2 KB limit \(max_file_mb\)/);
  });

  it('a file that cannot be read this time is neither upserted nor deleted: its indexed version keeps serving', async () => {
    writeFileSync(join(dir, 'rates.pdf'), await pdfWith('Rates', ['50 EUR']));
    const first = await provider().changes(new Map(), signal);
    writeFileSync(join(dir, 'rates.pdf'), '%PDF-1.7 truncated upload');
    const second = await provider().changes(versions(first.upserts), signal);
    expect(second).toMatchObject({ upserts: [], deletes: [] });
    expect(second.problems?.map((p) => p.id)).toEqual(['rates.pdf']);
  });

  it('a folder that cannot be listed fails the sync instead of deleting everything it held', async () => {
    const gone = new FolderProvider({ name: 'x', dir: join(dir, 'missing'), maxFileBytes: 1_000 });
    await expect(gone.changes(new Map([['a.md', '1-1']]), signal)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
