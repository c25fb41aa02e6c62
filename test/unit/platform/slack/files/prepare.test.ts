import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DownloadError, type Downloader } from '../../../../../src/platform/slack/files/download.js';
import { type FileLimits, prepareFiles } from '../../../../../src/platform/slack/files/prepare.js';
import type { SlackFile } from '../../../../../src/platform/slack/files/slack-file.js';
import { fileReasonText } from '../../../../../src/turn/file-reasons.js';
import { animatedGif, corruptPng, csv, pdf, pngScreenshot, signInPage, zip } from '../../../../fixtures/files.js';
import { en } from '../../../../support/translators.js';

const limits: FileLimits = {
  imagesPerTurn: 10,
  maxRequestBytes: 50_000_000,
  maxDownloadBytes: 50_000_000,
  maxPdfBytes: 32_000_000,
  textMaxChars: 50_000,
};
const log = pino({ level: 'silent' });

/** Slack file objects served by a map of URL → bytes; records what was downloaded. */
function files(
  entries: Array<{ name: string; mimetype: string; bytes: Buffer | string; size?: number; extra?: Partial<SlackFile> }>,
) {
  const bodies = new Map<string, Buffer>();
  const objects: SlackFile[] = entries.map((e, i) => {
    const url = `https://files.slack.com/files-pri/T1-F${i}/download/${e.name}`;
    const bytes = Buffer.from(e.bytes);
    bodies.set(url, bytes);
    return {
      id: `F${i}`,
      name: e.name,
      mimetype: e.mimetype,
      size: e.size ?? bytes.length,
      url_private_download: url,
      ...e.extra,
    };
  });
  const downloaded: string[] = [];
  const download: Downloader = async (url, max) => {
    downloaded.push(url);
    const bytes = bodies.get(url);
    if (!bytes) throw new DownloadError('http_status', 'HTTP 404', 404);
    if (bytes.length > max) throw new DownloadError('too_large', 'too large');
    return { bytes, hosts: ['files.slack.com'] };
  };
  return { objects, download, downloaded };
}

/** The skips as an English-speaking asker reads them. */
const shown = (out: { skipped: Array<{ name: string; reason: Parameters<typeof fileReasonText>[1] }> }) =>
  out.skipped.map((s) => ({ name: s.name, reason: fileReasonText(en, s.reason) }));

const run = (
  f: ReturnType<typeof files>,
  l: Partial<FileLimits> = {},
  fileInfo: (id: string) => Promise<SlackFile | undefined> = async () => undefined,
) =>
  prepareFiles(
    f.objects,
    { messageTs: '1700000000.000100', detail: 'high' },
    { download: f.download, fileInfo, limits: { ...limits, ...l }, log },
  );

describe('preparing the files of a message', () => {
  it('turns images, PDFs and text into attachments in order, and skips the rest with a reason', async () => {
    const f = files([
      { name: 'error.png', mimetype: 'image/png', bytes: await pngScreenshot(300, 200) },
      { name: 'invoice.pdf', mimetype: 'application/pdf', bytes: pdf() },
      { name: 'data.csv', mimetype: 'text/csv', bytes: csv() },
      { name: 'logs.zip', mimetype: 'application/zip', bytes: zip() },
      { name: 'empty.txt', mimetype: 'text/plain', bytes: '' },
      { name: 'broken.png', mimetype: 'image/png', bytes: corruptPng() },
      { name: 'shot.png', mimetype: 'image/png', bytes: signInPage },
    ]);
    const out = await run(f);
    expect(out.attachments.map((a) => [a.kind, a.name])).toEqual([
      ['image', 'error.png'],
      ['pdf', 'invoice.pdf'],
      ['text', 'data.csv'],
    ]);
    expect(out.attachments[0]).toMatchObject({
      id: '1700000000.000100-0',
      mime: 'image/png',
      width: 300,
      height: 200,
      detail: 'high',
    });
    expect(out.attachments[2]).toMatchObject({ text: csv(), truncated: false });
    expect(shown(out)).toEqual([
      { name: 'logs.zip', reason: "ZIP files can't be read (only images, PDFs and text files)" },
      { name: 'empty.txt', reason: 'the file is empty' },
      { name: 'broken.png', reason: 'it could not be read as an image (damaged or unsupported)' },
      {
        name: 'shot.png',
        reason: 'Slack sent a sign-in page instead of the file (the app may lack the files:read scope)',
      },
    ]);
    expect(f.downloaded).not.toContain(expect.stringContaining('empty.txt'));
  });

  it('notes that only the first frame of an animated GIF is shown', async () => {
    const out = await run(files([{ name: 'loop.gif', mimetype: 'image/gif', bytes: await animatedGif() }]));
    expect(out.attachments[0]).toMatchObject({ kind: 'image', mime: 'image/png', note: 'first frame of an animation' });
  });

  it('reads at most the configured number of images and does not download the others', async () => {
    const png = await pngScreenshot(50, 50);
    const f = files(Array.from({ length: 4 }, (_, i) => ({ name: `s${i}.png`, mimetype: 'image/png', bytes: png })));
    const out = await run(f, { imagesPerTurn: 2 });
    expect(out.attachments).toHaveLength(2);
    expect(shown(out)).toEqual([
      { name: 's2.png', reason: 'only 2 images are read per message' },
      { name: 's3.png', reason: 'only 2 images are read per message' },
    ]);
    expect(f.downloaded).toHaveLength(2);
  });

  it('skips files over the download limit without downloading, and what would overflow the request', async () => {
    const png = await pngScreenshot(400, 400);
    const f = files([
      { name: 'huge.mov', mimetype: 'video/quicktime', bytes: 'x', size: 80_000_000 },
      { name: 'a.png', mimetype: 'image/png', bytes: png },
      { name: 'b.pdf', mimetype: 'application/pdf', bytes: pdf('x'.repeat(3_000)) },
    ]);
    const out = await run(f, { maxRequestBytes: 3_000 });
    expect(shown(out)[0]).toEqual({ name: 'huge.mov', reason: 'it is 80 MB, over the 50 MB limit' });
    expect(f.downloaded.some((u) => u.includes('huge.mov'))).toBe(false);
    expect(out.attachments.map((a) => a.name)).toEqual(['a.png']);
    expect(shown(out)[1]).toEqual({ name: 'b.pdf', reason: "the message's files exceed the 3 kB limit per request" });
  });

  it('caps text files and PDFs at their limits', async () => {
    const long = 'a line of the log\n'.repeat(500);
    const out = await run(
      files([
        { name: 'app.log', mimetype: 'text/plain', bytes: long },
        { name: 'big.pdf', mimetype: 'application/pdf', bytes: pdf() },
      ]),
      { textMaxChars: 1_000, maxPdfBytes: 100 },
    );
    expect(out.attachments[0]).toMatchObject({ kind: 'text', truncated: true, totalChars: long.length });
    expect(shown(out)).toEqual([{ name: 'big.pdf', reason: 'PDFs are read up to 1 kB' }]);
  });

  it('asks files.info for a Slack Connect stub and explains files it cannot fetch', async () => {
    const f = files([{ name: 'connect.csv', mimetype: 'text/csv', bytes: csv() }]);
    const full = f.objects[0]!;
    f.objects[0] = { id: full.id, mode: 'file_access', file_access: 'check_file_info' };
    f.objects.push({
      id: 'F9',
      name: 'doc',
      mode: 'external',
      is_external: true,
      url_private: 'https://docs.google.com/x',
    });
    f.objects.push({ id: 'F10', name: 'gone.png', mode: 'tombstone' });
    const out = await run(f, {}, async (id) => (id === full.id ? full : undefined));
    expect(out.attachments.map((a) => a.name)).toEqual(['connect.csv']);
    expect(shown(out)).toEqual([
      { name: 'doc', reason: 'it is a link to an external service, not a file uploaded to Slack' },
      { name: 'gone.png', reason: 'it was deleted' },
    ]);
  });

  it('reports a failed download and keeps going', async () => {
    const f = files([{ name: 'ok.txt', mimetype: 'text/plain', bytes: 'fine' }]);
    f.objects.unshift({
      id: 'F404',
      name: 'missing.png',
      mimetype: 'image/png',
      size: 10,
      url_private_download: 'https://files.slack.com/nope',
    });
    const out = await run(f);
    expect(shown(out)).toEqual([{ name: 'missing.png', reason: 'Slack refused the download (HTTP 404)' }]);
    expect(out.attachments.map((a) => a.name)).toEqual(['ok.txt']);
  });
});
