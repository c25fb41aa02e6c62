import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { corruptPng, csv, hugeJpeg, jpegPhoto, pdf, pngScreenshot, signInPage, zip } from '../fixtures/files.js';
import { Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.stop());

type Part = { type: string; text?: string; image_url?: string; detail?: string; file_data?: string; filename?: string };
type InputMessage = { role: string; content: string | Part[] };
const inputOf = (i: number) => h.openai.responsesRequests()[i]!.body.input as InputMessage[];
const partsOf = (i: number) => inputOf(i).flatMap((m) => (Array.isArray(m.content) ? m.content : []));
const images = (i: number) => partsOf(i).filter((p) => p.type === 'input_image');
const decode = (dataUrl: string) => Buffer.from(dataUrl.split(',')[1]!, 'base64');

describe('screenshots and files from Slack', () => {
  it('answers about two images in one thread and still shows the model the earlier image in a follow-up, after a restart', async () => {
    h = await new Harness().start();
    const first = h.slack.addFile({
      id: 'F0SHOT1',
      name: 'error.png',
      mimetype: 'image/png',
      bytes: await pngScreenshot(1280, 800),
    });
    const sent = await h.mention({ text: 'what is this error?', files: [first] });
    await h.turnFinished(sent.eventId);
    const rootTs = h.slack.messages('C0SUP1')[0]!.ts;

    const second = h.slack.addFile({
      id: 'F0SHOT2',
      name: 'after.jpg',
      mimetype: 'image/jpeg',
      bytes: await jpegPhoto(1600, 1200),
    });
    const follow = await h.message({
      channel: 'C0SUP1',
      thread_ts: rootTs,
      text: 'and after the fix it shows this',
      files: [second],
    });
    await h.turnFinished(follow.eventId);

    await h.restart();
    const again = await h.message({
      channel: 'C0SUP1',
      thread_ts: rootTs,
      text: 'is the first screenshot from staging?',
    });
    await h.turnFinished(again.eventId);

    expect(h.slack.downloads.map((d) => [d.fileId, d.authorized, d.status])).toEqual([
      ['F0SHOT1', true, 200],
      ['F0SHOT2', true, 200],
    ]);
    expect(images(0)).toHaveLength(1);
    expect(images(0)[0]).toMatchObject({ detail: 'auto' });
    expect(images(0)[0]!.image_url).toMatch(/^data:image\/png;base64,/);
    expect(images(1).map((p) => p.image_url!.slice(0, 22))).toEqual([
      'data:image/png;base64,',
      'data:image/jpeg;base64',
    ]);
    expect(images(2).map((p) => p.image_url)).toEqual(images(1).map((p) => p.image_url));
    expect(await sharp(decode(images(2)[0]!.image_url!)).metadata()).toMatchObject({
      format: 'png',
      width: 1280,
      height: 800,
    });
    expect(
      partsOf(2)
        .map((p) => p.text)
        .filter(Boolean),
    ).toContain('[image "error.png"]');
    const last = inputOf(2).at(-1)!;
    expect(last).toMatchObject({
      role: 'user',
      content: [{ type: 'input_text', text: 'Ada: is the first screenshot from staging?' }],
    });
    const modelCall = h.parsedLogs().find((l) => l.event === 'model_call' && Number(l.image_tokens_estimate) > 0);
    expect(modelCall?.image_tokens_estimate).toBe(85 + 170 * 6); // 1280×800 → 1229×768 → 3×2 tiles
  });

  it('reads an image shared in a DM with the detail configured for DMs', async () => {
    h = await new Harness({ yaml: 'dm:\n  image_detail: low\n' }).start();
    const shot = h.slack.addFile({
      id: 'F0DM1',
      name: 'shot.png',
      mimetype: 'image/png',
      bytes: await pngScreenshot(400, 300),
    });
    const dm = await h.message({ channel: 'D0DM1', text: '', files: [shot] });
    await h.turnFinished(dm.eventId);
    expect(images(0)).toEqual([expect.objectContaining({ detail: 'low' })]);
    expect(partsOf(0)[0]).toEqual({ type: 'input_text', text: 'Ada: (sent attachments without text)' });
    expect(h.replies('D0DM1', h.slack.messages('D0DM1')[0]!.ts)).toHaveLength(1);
  });

  it('sends an 18 MB phone photo downscaled to about 2 MB', async () => {
    h = await new Harness().start();
    const bytes = await hugeJpeg();
    const photo = h.slack.addFile({ id: 'F0BIG', name: 'IMG_0001.jpg', mimetype: 'image/jpeg', bytes });
    const sent = await h.mention({ text: 'what does the display say?', files: [photo] });
    await h.turnFinished(sent.eventId, 60_000);
    const sentImage = decode(images(0)[0]!.image_url!);
    expect(bytes.byteLength).toBeGreaterThan(17_000_000);
    expect(sentImage.byteLength).toBeLessThanOrEqual(2_100_000);
    expect(await sharp(sentImage).metadata()).toMatchObject({ width: 2048, height: 1560 });
  }, 90_000);

  it('reads PDFs and CSVs, skips what it cannot read with a visible reason, and still answers', async () => {
    h = await new Harness().start();
    const files = [
      h.slack.addFile({ id: 'F0PDF', name: 'invoice.pdf', mimetype: 'application/pdf', bytes: pdf() }),
      h.slack.addFile({ id: 'F0CSV', name: 'orders.csv', mimetype: 'text/csv', bytes: csv() }),
      h.slack.addFile({ id: 'F0ZIP', name: 'logs.zip', mimetype: 'application/zip', bytes: zip() }),
      h.slack.addFile({ id: 'F0EMPTY', name: 'empty.log', mimetype: 'text/plain', bytes: '' }),
      h.slack.addFile({ id: 'F0BAD', name: 'broken.png', mimetype: 'image/png', bytes: corruptPng() }),
      h.slack.addFile({ id: 'F0HTML', name: 'screen.png', mimetype: 'image/png', bytes: signInPage }),
    ];
    h.openai.enqueue({ kind: 'text', text: 'The invoice total is 99 EUR.' });
    const sent = await h.mention({ text: 'does the invoice match the orders?', files });
    await h.turnFinished(sent.eventId);

    const parts = partsOf(0);
    expect(parts.find((p) => p.type === 'input_file')).toEqual({
      type: 'input_file',
      filename: 'invoice.pdf',
      file_data: `data:application/pdf;base64,${pdf().toString('base64')}`,
    });
    expect(parts.some((p) => p.text?.startsWith('[file "orders.csv"]\nid,name,amount\n1,item 1,10'))).toBe(true);
    expect(parts.filter((p) => p.text?.startsWith('[attachment ')).map((p) => p.text!.split('"')[1])).toEqual([
      'logs.zip',
      'empty.log',
      'broken.png',
      'screen.png',
    ]);
    expect(images(0)).toHaveLength(0);

    const reply = h.replies('C0SUP1', h.slack.messages('C0SUP1')[0]!.ts)[0]!.text;
    expect(reply).toContain('The invoice total is 99 EUR.');
    expect(reply).toContain("📎 _Skipped `logs.zip`: ZIP files can't be read (only images, PDFs and text files)._");
    expect(reply).toContain('📎 _Skipped `empty.log`: the file is empty._');
    expect(reply).toContain('📎 _Skipped `broken.png`: it could not be read as an image (damaged or unsupported)._');
    expect(reply).toContain('📎 _Skipped `screen.png`: Slack sent a sign-in page instead of the file');
  });

  it('keeps answering a thread with two 20 MB PDFs: the newer goes with later questions, the older is named as left out', async () => {
    h = await new Harness({ redis: false }).start();
    const big = (name: string, text: string) =>
      h.slack.addFile({
        id: `F0${name.toUpperCase().replace(/\W/g, '')}`,
        name,
        mimetype: 'application/pdf',
        bytes: pdf(text, { pages: 3, padBytes: 20_000_000 }),
      });
    const first = await h.mention({ text: 'summarise this contract', files: [big('contract-2023.pdf', 'Term 2023')] });
    await h.turnFinished(first.eventId);
    const rootTs = h.slack.messages('C0SUP1')[0]!.ts;
    const ask = async (text: string, files?: ReturnType<typeof big>[]) => {
      const sent = await h.message({ channel: 'C0SUP1', thread_ts: rootTs, text, ...(files ? { files } : {}) });
      return h.turnFinished(sent.eventId);
    };
    await ask('and how does this one differ?', [big('contract-2024.pdf', 'Term 2024')]);
    await ask('which notice period applies now?');

    const filesSent = (i: number) =>
      partsOf(i)
        .filter((p) => p.type === 'input_file')
        .map((p) => p.filename);
    expect(filesSent(0)).toEqual(['contract-2023.pdf']);
    expect(filesSent(1)).toEqual(['contract-2024.pdf']);
    expect(filesSent(2)).toEqual(['contract-2024.pdf']);
    expect(partsOf(2).some((p) => p.text?.startsWith('[PDF "contract-2023.pdf" was left out of this request'))).toBe(
      true,
    );
    const replies = h.replies('C0SUP1', rootTs);
    expect(replies).toHaveLength(3);
    for (const r of replies.slice(1)) {
      expect(r.text).not.toMatch(/OpenAI rejected/);
      expect(r.text).toContain(
        '📎 _Not read for this answer: `contract-2023.pdf` (OpenAI reads at most 32 MB and 100 pages',
      );
    }
  }, 60_000);

  it('skips a PDF longer than OpenAI reads in one request, saying how long it is', async () => {
    h = await new Harness({ redis: false }).start();
    const long = h.slack.addFile({
      id: 'F0LONG',
      name: 'handbook.pdf',
      mimetype: 'application/pdf',
      bytes: pdf('Chapter', { pages: 120 }),
    });
    const sent = await h.mention({ text: 'what does the handbook say about leave?', files: [long] });
    await h.turnFinished(sent.eventId);
    expect(partsOf(0).filter((p) => p.type === 'input_file')).toHaveLength(0);
    expect(h.replies('C0SUP1', h.slack.messages('C0SUP1')[0]!.ts)[0]!.text).toContain(
      '📎 _Skipped `handbook.pdf`: it has 120 pages; PDFs are read up to 100 pages._',
    );
  });

  it('follows a download redirect to a non-Slack host without the bot token', async () => {
    const received: IncomingHttpHeaders[] = [];
    const png = await pngScreenshot(200, 100);
    const foreign = createServer((req, res) => {
      received.push(req.headers);
      res.writeHead(200, { 'Content-Type': 'image/png' }).end(png);
    });
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
    try {
      h = await new Harness().start();
      const foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/signed/shot.png?sig=abc`;
      const file = h.slack.addFile({
        id: 'F0REDIR',
        name: 'shot.png',
        mimetype: 'image/png',
        bytes: png,
        redirectTo: foreignUrl,
      });
      const sent = await h.mention({ text: 'what is this?', files: [file] });
      await h.turnFinished(sent.eventId);
      expect(h.slack.downloads).toEqual([{ fileId: 'F0REDIR', authorized: true, status: 302 }]);
      expect(received).toHaveLength(1);
      expect(received[0]!.authorization).toBeUndefined();
      expect(JSON.stringify(received[0])).not.toContain(h.slack.botToken);
      expect(images(0)).toHaveLength(1);
    } finally {
      foreign.closeAllConnections();
      await new Promise((r) => foreign.close(r));
    }
  });

  it('looks up a Slack Connect file stub with files.info before downloading it', async () => {
    h = await new Harness().start();
    const full = h.slack.addFile({ id: 'F0CONNECT', name: 'partner.csv', mimetype: 'text/csv', bytes: csv() });
    const stub = {
      id: full.id,
      created: full.created,
      timestamp: full.timestamp,
      user: full.user,
      mode: 'file_access',
      file_access: 'check_file_info',
    };
    const sent = await h.mention({ text: 'summarise the partner file', files: [stub] });
    await h.turnFinished(sent.eventId);
    expect(h.slack.callsTo('files.info').map((c) => c.args.file)).toEqual(['F0CONNECT']);
    expect(partsOf(0).some((p) => p.text?.startsWith('[file "partner.csv"]'))).toBe(true);
  });

  it('applies the configured limits: images per message and download size', async () => {
    h = await new Harness({ yaml: 'files:\n  images_per_turn: 1\n  max_download_bytes: 200000\n' }).start();
    const small = await pngScreenshot(100, 100);
    const files = [
      h.slack.addFile({ id: 'F0A', name: 'a.png', mimetype: 'image/png', bytes: small }),
      h.slack.addFile({ id: 'F0B', name: 'b.png', mimetype: 'image/png', bytes: small }),
      h.slack.addFile({
        id: 'F0HUGE',
        name: 'huge.jpg',
        mimetype: 'image/jpeg',
        bytes: await jpegPhoto(3000, 3000).then((b) => Buffer.concat([b, Buffer.alloc(300_000)])),
      }),
    ];
    const sent = await h.mention({ text: 'compare these', files });
    await h.turnFinished(sent.eventId);
    expect(images(0)).toHaveLength(1);
    expect(h.slack.downloads.map((d) => d.fileId)).toEqual(['F0A']);
    const reply = h.replies('C0SUP1', h.slack.messages('C0SUP1')[0]!.ts)[0]!.text;
    expect(reply).toContain('📎 _Skipped `b.png`: only 1 image is read per message._');
    expect(reply).toContain('📎 _Skipped `huge.jpg`: it is');
  });
});
