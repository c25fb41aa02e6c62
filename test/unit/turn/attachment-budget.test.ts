import { describe, expect, it } from 'vitest';
import { toResponsesInput } from '../../../src/platform/openai/responses-input.js';
import { fitAttachments, leftOutFiles } from '../../../src/turn/attachment-budget.js';
import { noticeForLeftOut } from '../../../src/turn/notices.js';
import type { Attachment, ThreadItem } from '../../../src/turn/thread.js';
import { en } from '../../support/translators.js';

const PDF_LIMIT_WORDS = 'OpenAI reads at most 32 MB and 100 pages of PDFs per question';

const MB = 1_000_000;
const pdf = (name: string, bytes: number, pages?: number): Attachment => ({
  kind: 'pdf',
  id: name,
  name,
  bytes,
  ...(pages ? { pages } : {}),
  data: new Uint8Array(bytes),
});
const image = (name: string, bytes: number): Attachment => ({
  kind: 'image',
  id: name,
  name,
  mime: 'image/png',
  width: 10,
  height: 10,
  detail: 'auto',
  data: new Uint8Array(bytes),
});
const asked = (ts: string, ...attachments: Attachment[]): ThreadItem => ({
  type: 'user',
  ts,
  userId: 'U1',
  userName: 'Ada',
  text: `question ${ts}`,
  attachments,
});
const sent = (items: ThreadItem[]) =>
  items.flatMap((i) => (i.type === 'user' ? (i.attachments ?? []) : [])).filter((a) => a.kind !== 'text' && a.data);
const names = (as: Attachment[]) => as.map((a) => a.name);

describe("files per request, within OpenAI's limits", () => {
  it('a thread with two 20 MB PDFs sends only the newer one with a later question, and says the older was left out', () => {
    const thread = [
      asked('1', pdf('contract-2023.pdf', 20 * MB, 12)),
      { type: 'assistant' as const, text: 'Read it.' },
      asked('2', pdf('contract-2024.pdf', 20 * MB, 14)),
      { type: 'assistant' as const, text: 'Read that too.' },
      asked('3'),
    ];
    const out = fitAttachments(thread, 50 * MB);
    expect(names(sent(out))).toEqual(['contract-2024.pdf']);
    expect(leftOutFiles(out)).toEqual([{ name: 'contract-2023.pdf', reason: 'pdf_limit' }]);
    expect(noticeForLeftOut(en, leftOutFiles(out))).toBe(
      `📎 _Not read for this answer: \`contract-2023.pdf\` (${PDF_LIMIT_WORDS}; newer files went first)._`,
    );
    const input = JSON.stringify(toResponsesInput(out));
    expect(input).toContain(`[PDF \\"contract-2023.pdf\\" was left out of this request (${PDF_LIMIT_WORDS})`);
    expect(input).not.toContain('no longer available');
    // The stored thread keeps both files for later.
    expect(sent(thread)).toHaveLength(2);
  });

  it('counts pages across PDFs: 100 at most, newest first', () => {
    const out = fitAttachments(
      [asked('1', pdf('a.pdf', MB, 60)), asked('2', pdf('b.pdf', MB, 30), pdf('c.pdf', MB, 50))],
      50 * MB,
    );
    expect(names(sent(out))).toEqual(['b.pdf', 'c.pdf']); // 80 pages; a.pdf would make 140
    expect(leftOutFiles(out)).toEqual([{ name: 'a.pdf', reason: 'pdf_limit' }]);
    const fits = fitAttachments([asked('1', pdf('a.pdf', MB, 60)), asked('2', pdf('b.pdf', MB, 40))], 50 * MB);
    expect(names(sent(fits))).toEqual(['a.pdf', 'b.pdf']);
  });

  it('keeps 32 MB of PDFs and 50 MB of images at most, each on its own, within files.max_request_bytes', () => {
    const thread = [
      asked('1', pdf('old.pdf', 13 * MB, 1), image('old.png', 15 * MB)),
      asked('2', pdf('new.pdf', 20 * MB, 1), image('new.png', 15 * MB)),
    ];
    const out = fitAttachments(thread, 50 * MB);
    expect(names(sent(out))).toEqual(['old.png', 'new.pdf', 'new.png']);
    expect(leftOutFiles(out)).toEqual([{ name: 'old.pdf', reason: 'pdf_limit' }]);
    const capped = fitAttachments(thread, 40 * MB);
    expect(leftOutFiles(capped)).toEqual([
      { name: 'old.pdf', reason: 'pdf_limit' },
      { name: 'old.png', reason: 'request_bytes' },
    ]);
    const images = Array.from({ length: 4 }, (_, i) => image(`shot-${i}.png`, 15 * MB));
    const big = fitAttachments([asked('1', ...images)], 200 * MB);
    expect(leftOutFiles(big)).toEqual([{ name: 'shot-0.png', reason: 'image_limit' }]);
  });

  it('sends at most 500 images', () => {
    const many = Array.from({ length: 501 }, (_, i) => image(`i${i}.png`, 10));
    const out = fitAttachments([asked('1', ...many.slice(0, 1)), asked('2', ...many.slice(1))], 50 * MB);
    expect(sent(out)).toHaveLength(500);
    expect(leftOutFiles(out)).toEqual([{ name: 'i0.png', reason: 'image_limit' }]);
  });

  it('counts a stored PDF without a page count as one page', () => {
    const out = fitAttachments([asked('1', pdf('old.pdf', MB)), asked('2', pdf('new.pdf', MB, 99))], 50 * MB);
    expect(names(sent(out))).toEqual(['old.pdf', 'new.pdf']);
  });
});
