import { describe, expect, it } from 'vitest';
import { toResponsesInput } from '../../../../src/platform/openai/responses-input.js';
import { noticeForFiles } from '../../../../src/turn/notices.js';
import type { ThreadItem } from '../../../../src/turn/thread.js';
import { en } from '../../../support/translators.js';

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
const pdfBytes = new Uint8Array(Buffer.from('%PDF-1.4'));
const item: ThreadItem = {
  type: 'user',
  ts: '1.1',
  userId: 'U1',
  userName: 'Ada',
  text: 'what is this error?',
  attachments: [
    { kind: 'image', id: 'i1', name: 'error.png', mime: 'image/png', width: 10, height: 10, detail: 'low', data: png },
    {
      kind: 'image',
      id: 'i2',
      name: 'loop.gif',
      mime: 'image/png',
      width: 10,
      height: 10,
      detail: 'high',
      note: 'first frame of an animation',
    },
    { kind: 'pdf', id: 'p1', name: 'invoice.pdf', bytes: 8, data: pdfBytes },
    { kind: 'text', name: 'app.log', text: 'boom', totalChars: 9, truncated: true },
  ],
  skipped: [{ name: 'logs.zip', reason: "ZIP files can't be read" }],
};

describe('files in the model input', () => {
  it('sends images as base64 data URLs with their detail, PDFs as input_file, text inline, and names each file', () => {
    const [msg] = toResponsesInput([item]) as unknown as Array<{ content: Array<Record<string, string>> }>;
    expect(msg!.content).toEqual([
      { type: 'input_text', text: 'Ada: what is this error?' },
      { type: 'input_text', text: '[image "error.png"]' },
      { type: 'input_image', image_url: `data:image/png;base64,${Buffer.from(png).toString('base64')}`, detail: 'low' },
      { type: 'input_text', text: '[image "loop.gif" from earlier in this thread is no longer available]' },
      { type: 'input_text', text: '[PDF "invoice.pdf"]' },
      {
        type: 'input_file',
        filename: 'invoice.pdf',
        file_data: `data:application/pdf;base64,${Buffer.from(pdfBytes).toString('base64')}`,
      },
      { type: 'input_text', text: '[file "app.log", only the first 4 of 9 characters]\nboom\n[end of file "app.log"]' },
      { type: 'input_text', text: '[attachment "logs.zip" was not given to you: ZIP files can\'t be read]' },
    ]);
  });

  it('says a message had only attachments when its text is empty', () => {
    const [msg] = toResponsesInput([{ ...item, text: '' }]) as unknown as Array<{
      content: Array<Record<string, string>>;
    }>;
    expect(msg!.content[0]).toEqual({ type: 'input_text', text: 'Ada: (sent attachments without text)' });
  });
});

describe('the visible note about files', () => {
  it('names every skipped or cut file with its reason, without letting a name break the markup', () => {
    const notice = noticeForFiles(
      en,
      [{ kind: 'text', name: 'app.log', text: 'x'.repeat(50_000), totalChars: 812_345, truncated: true }],
      [{ name: 'a`b<!channel>.zip', reason: "ZIP files can't be read" }],
    );
    expect(notice).toBe(
      "📎 _Skipped `a b !channel .zip`: ZIP files can't be read._\n✂️ _Read only the first 50,000 of 812,345 characters of `app.log`._",
    );
    expect(noticeForFiles(en, [], [])).toBeUndefined();
  });
});

describe('what only this turn is told', () => {
  const ask = (ts: string, text: string): ThreadItem => ({ type: 'user', ts, userId: 'U1', userName: 'Yui', text });
  const hint = 'Answer in Japanese.';

  it('goes right after the newest question, so a tool round extends the request before it', () => {
    const round1 = toResponsesInput([ask('1', 'a'), { type: 'assistant', text: 'b' }, ask('2', 'c')], hint);
    expect(round1.map((i) => (i as { role?: string }).role)).toEqual(['user', 'assistant', 'user', 'developer']);
    const round2 = toResponsesInput(
      [
        ask('1', 'a'),
        { type: 'assistant', text: 'b' },
        ask('2', 'c'),
        { type: 'function_call', callId: 'c1', name: 'lookup_ticket', arguments: '{}' },
        { type: 'function_call_output', callId: 'c1', output: '{}' },
      ],
      hint,
    );
    expect(round2.slice(0, round1.length)).toEqual(round1);
    expect(round1[3]).toEqual({ type: 'message', role: 'developer', content: hint });
  });

  it('is left out when there is nothing to tell', () => {
    expect(toResponsesInput([ask('1', 'a')])).toHaveLength(1);
  });
});
