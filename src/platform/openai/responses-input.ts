import type { ResponseInputContent, ResponseInputItem } from 'openai/resources/responses/responses';
import { createTranslators, type Translator } from '../../i18n/translators.js';
import { fileReasonText, type LeftOutReason, leftOutText } from '../../turn/file-reasons.js';
import type { Attachment, SkippedFile, ThreadItem } from '../../turn/thread.js';

const base64 = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');

/**
 * The model reads why a file is missing in English, whoever asks: the thread is shared, and the answer's language
 * comes from the asker's language hint. Made on first use, from the same catalogs the asker's notice uses.
 */
let englishWords: Translator | undefined;
const english = () => (englishWords ??= createTranslators().english);

/** What the model reads instead of a file's bytes: forgotten by the store, or left out of this request. */
const withoutBytes = (kind: 'image' | 'PDF', name: string, leftOut: LeftOutReason | undefined) =>
  leftOut
    ? `[${kind} "${name}" was left out of this request (${leftOutText(english(), leftOut)}); say so if the question needs it]`
    : `[${kind} "${name}" from earlier in this thread is no longer available]`;

/** A label before each file, so the model can tell several files apart and refer to them by name. */
function attachmentParts(a: Attachment): ResponseInputContent[] {
  switch (a.kind) {
    case 'image':
      if (!a.data) return [{ type: 'input_text', text: withoutBytes('image', a.name, a.leftOut) }];
      return [
        { type: 'input_text', text: `[image "${a.name}"${a.note ? ` (${a.note})` : ''}]` },
        { type: 'input_image', image_url: `data:${a.mime};base64,${base64(a.data)}`, detail: a.detail },
      ];
    case 'pdf':
      if (!a.data) return [{ type: 'input_text', text: withoutBytes('PDF', a.name, a.leftOut) }];
      return [
        { type: 'input_text', text: `[PDF "${a.name}"]` },
        { type: 'input_file', filename: a.name, file_data: `data:application/pdf;base64,${base64(a.data)}` },
      ];
    case 'text': {
      const cut = a.truncated ? `, only the first ${a.text.length} of ${a.totalChars} characters` : '';
      return [{ type: 'input_text', text: `[file "${a.name}"${cut}]\n${a.text}\n[end of file "${a.name}"]` }];
    }
  }
}

const skippedPart = (s: SkippedFile): ResponseInputContent => ({
  type: 'input_text',
  text: `[attachment "${s.name}" was not given to you: ${fileReasonText(english(), s.reason)}]`,
});

function userContent(item: Extract<ThreadItem, { type: 'user' }>): ResponseInputContent[] {
  const hasFiles = Boolean(item.attachments?.length || item.skipped?.length);
  const text = item.text || (hasFiles ? '(sent attachments without text)' : '');
  return [
    { type: 'input_text', text: `${item.userName}: ${text}` },
    ...(item.attachments ?? []).flatMap(attachmentParts),
    ...(item.skipped ?? []).map(skippedPart),
  ];
}

/**
 * Maps stored thread items to Responses API input items, in order. A hosted approval request still unanswered when
 * the next message comes (expired, or not clicked) is answered as not approved, so the model knows it did not run.
 * `turnInstructions` go in as a developer message right after the newest user message.
 */
export function toResponsesInput(items: readonly ThreadItem[], turnInstructions?: string): ResponseInputItem[] {
  const pending = new Set<string>();
  const out: ResponseInputItem[] = [];
  let afterQuestion = -1;
  for (const item of items) {
    if (item.type === 'hosted' && item.item.type === 'mcp_approval_request') pending.add(String(item.item.id));
    if (item.type === 'hosted' && item.item.type === 'mcp_approval_response')
      pending.delete(String(item.item.approval_request_id));
    if (item.type === 'user') {
      for (const id of pending)
        out.push({
          type: 'mcp_approval_response',
          approval_request_id: id,
          approve: false,
          reason: 'Not approved: the approval card expired or was not answered before this message.',
        } as ResponseInputItem);
      pending.clear();
    }
    out.push(toInputItem(item));
    if (item.type === 'user') afterQuestion = out.length;
  }
  // Right after the question: a tool round's request extends the previous one, so its prefix is cached too.
  if (turnInstructions)
    out.splice(afterQuestion < 0 ? out.length : afterQuestion, 0, {
      type: 'message',
      role: 'developer',
      content: turnInstructions,
    });
  return out;
}

function toInputItem(item: ThreadItem): ResponseInputItem {
  switch (item.type) {
    case 'user':
      return { type: 'message', role: 'user', content: userContent(item) };
    case 'assistant':
      return { type: 'message', role: 'assistant', content: item.text };
    case 'function_call':
      return { type: 'function_call', call_id: item.callId, name: item.name, arguments: item.arguments };
    case 'function_call_output':
      return { type: 'function_call_output', call_id: item.callId, output: item.output };
    case 'hosted':
      // Written by the Responses API itself (or an mcp_approval_response in its shape): sent back as it was.
      return item.item as unknown as ResponseInputItem;
    default:
      throw new Error(`unknown thread item ${(item satisfies never as { type: string }).type}`);
  }
}
