import { describe, expect, it } from 'vitest';
import { toResponsesInput } from '../../../src/platform/openai/responses-input.js';
import { decodeItems, encodeItem } from '../../../src/platform/store/codec.js';
import { fitAttachments, leftOutFiles } from '../../../src/turn/attachment-budget.js';
import { fileSize } from '../../../src/turn/file-reasons.js';
import { noticeForFiles, noticeForLeftOut } from '../../../src/turn/notices.js';
import type { SkippedFile, ThreadItem } from '../../../src/turn/thread.js';
import { translators } from '../../support/translators.js';

const de = translators.forLocale('de-DE');
const ja = translators.forLocale('ja-JP');
const skipped: SkippedFile[] = [
  { name: 'huge.mov', reason: { key: 'over_limit', size: 80_000_000, limit: 50_000_000 } },
  { name: 'logs.zip', reason: { key: 'unsupported', type: 'ZIP' } },
  { name: 'missing.png', reason: { key: 'download_refused', status: 404 } },
];

describe('skipped files in the asker’s language', () => {
  it('tells a German asker why each file was skipped, in German', () => {
    expect(noticeForFiles(de, [], skipped)).toBe(
      [
        '📎 _`huge.mov` übersprungen: sie ist 80 MB groß und damit über der Grenze von 50 MB._',
        '📎 _`logs.zip` übersprungen: ZIP-Dateien kann ich nicht lesen (nur Bilder, PDFs und Textdateien)._',
        '📎 _`missing.png` übersprungen: Slack hat den Download verweigert (HTTP 404)._',
      ].join('\n'),
    );
  });

  it('tells a Japanese asker in Japanese, with the counts in Japanese', () => {
    const notice = noticeForFiles(
      ja,
      [],
      [
        { name: 's3.png', reason: { key: 'image_limit', count: 2 } },
        { name: 'book.pdf', reason: { key: 'pdf_pages', pages: 140, limit: 100 } },
      ],
    );
    expect(notice).toBe(
      [
        '📎 _`s3.png` をスキップしました: 1 つのメッセージから読む画像は 2 枚までです。_',
        '📎 _`book.pdf` をスキップしました: 140 ページあります。PDF は 100 ページまで読みます。_',
      ].join('\n'),
    );
  });

  it('falls back to English for a locale without a catalog, and says a refused download without a status plainly', () => {
    const ko = translators.forLocale('ko-KR');
    expect(noticeForFiles(ko, [], [{ name: 'a.png', reason: { key: 'download_refused' } }])).toBe(
      '📎 _Skipped `a.png`: Slack refused the download._',
    );
    expect(noticeForFiles(ko, [], [{ name: 'one.png', reason: { key: 'image_limit', count: 1 } }])).toBe(
      '📎 _Skipped `one.png`: only 1 image is read per message._',
    );
  });

  it('writes sizes as each language does', () => {
    expect(fileSize('en', 3_000)).toBe('3 kB');
    expect(fileSize('en', 80_000_000)).toBe('80 MB');
    expect(fileSize('de', 1_500_000)).toBe('1,5 MB');
    expect(fileSize('fr', 1_500_000)).toBe('1,5\u202fMo');
  });

  it('tells the model the reason in English, whoever asked, and keeps the typed reason through the store', () => {
    const item: ThreadItem = { type: 'user', ts: '1.1', userId: 'U1', userName: 'Ada', text: 'see', skipped };
    const [stored] = decodeItems([encodeItem(item)]);
    expect(stored).toEqual(item);
    const input = JSON.stringify(toResponsesInput([stored!]));
    expect(input).toContain('[attachment \\"huge.mov\\" was not given to you: it is 80 MB, over the 50 MB limit]');
    expect(input).toContain("ZIP files can't be read (only images, PDFs and text files)");
  });

  it('still reads a message stored with an English reason, and one whose reason a newer version wrote', () => {
    const old = JSON.stringify({
      type: 'user',
      ts: '1.1',
      userId: 'U1',
      userName: 'Ada',
      text: 'see',
      skipped: [
        { name: 'b.zip', reason: "ZIP files can't be read" },
        { name: 'c.bin', reason: { key: 'some_new_reason', extra: 1 } },
      ],
    });
    const [item] = decodeItems([old]);
    expect(item).toMatchObject({
      text: 'see',
      skipped: [
        { name: 'b.zip', reason: "ZIP files can't be read" },
        { name: 'c.bin', reason: { key: 'internal' } },
      ],
    });
    expect(noticeForFiles(de, [], (item as { skipped: SkippedFile[] }).skipped)).toContain(
      '`c.bin` übersprungen: beim Lesen ist etwas schiefgegangen',
    );
  });

  it('says in Japanese which older files a request left out, and why', () => {
    const pdf = (name: string, pages: number): ThreadItem => ({
      type: 'user',
      ts: name,
      userId: 'U1',
      userName: 'Ada',
      text: name,
      attachments: [{ kind: 'pdf', id: name, name, bytes: 1_000, pages, data: new Uint8Array(1_000) }],
    });
    const out = fitAttachments([pdf('old.pdf', 60), pdf('new.pdf', 60)], 50_000_000);
    expect(noticeForLeftOut(ja, leftOutFiles(out))).toBe(
      '📎 _この回答では読んでいないファイル: `old.pdf`（OpenAI が 1 つの質問で読める PDF は 32 MB・100 ページまでです。新しいファイルを優先しました）。_',
    );
  });
});
