import { describe, expect, it } from 'vitest';
import { sniff } from '../../../../../src/platform/slack/files/sniff.js';
import { capText, decodeText } from '../../../../../src/platform/slack/files/text.js';
import {
  animatedGif,
  corruptPng,
  csv,
  jpegPhoto,
  pdf,
  pngScreenshot,
  signInPage,
  webpImage,
  zip,
} from '../../../../fixtures/files.js';

describe('judging a file by its bytes', () => {
  it('recognises the image formats the model reads, whatever the name says', async () => {
    expect(await sniff(await pngScreenshot(20, 20))).toEqual({ kind: 'image', format: 'png' });
    expect(await sniff(await jpegPhoto(20, 20))).toEqual({ kind: 'image', format: 'jpeg' });
    expect(await sniff(await webpImage(20, 20))).toEqual({ kind: 'image', format: 'webp' });
    expect(await sniff(await animatedGif(20, 20))).toEqual({ kind: 'image', format: 'gif' });
    expect(await sniff(corruptPng())).toEqual({ kind: 'image', format: 'png' });
  });

  it('tells PDFs, text, HTML sign-in pages, archives and empty files apart', async () => {
    expect(await sniff(pdf())).toEqual({ kind: 'pdf' });
    expect(await sniff(Buffer.from(csv()))).toEqual({ kind: 'text', text: csv() });
    expect((await sniff(Buffer.from(signInPage))).kind).toBe('html');
    expect((await sniff(Buffer.from(`\n  <!-- x -->\n<html><body>hi</body></html>`))).kind).toBe('html');
    expect(await sniff(zip())).toEqual({ kind: 'binary', label: 'ZIP' });
    expect(await sniff(Buffer.alloc(0))).toEqual({ kind: 'empty' });
    expect(await sniff(Buffer.from([1, 2, 0, 0, 3, 255, 7]))).toEqual({ kind: 'binary', label: 'binary' });
  });

  it('treats JSON and source code mentioning <html> later on as text', async () => {
    expect((await sniff(Buffer.from('{"html": "<html>"}'))).kind).toBe('text');
    expect((await sniff(Buffer.from('const page = "<html></html>";\n'))).kind).toBe('text');
  });
});

describe('reading text files', () => {
  it('decodes UTF-8 (dropping a BOM), UTF-16 with a BOM and Windows-1252 logs', () => {
    expect(decodeText(Buffer.from('\uFEFFgrüße', 'utf8'))).toBe('grüße');
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('héllo', 'utf16le')]))).toBe('héllo');
    expect(decodeText(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]))).toBe('café\n');
    expect(decodeText(Buffer.from([0x63, 0x00, 0x66]))).toBeUndefined();
  });

  it('cuts long text at a line break near the cap', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${String(i).padStart(3, '0')}`).join('\n');
    const capped = capText(text, 500);
    expect(capped.truncated).toBe(true);
    expect(capped.text.length).toBeLessThanOrEqual(500);
    expect(capped.text.endsWith('\n')).toBe(false);
    expect(capped.text.split('\n').every((l) => /^line \d{3}$/.test(l))).toBe(true);
    expect(capText('short', 500)).toEqual({ text: 'short', truncated: false });
  });
});
