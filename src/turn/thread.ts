import type { FileReason, LeftOutReason } from './file-reasons.js';

/** Where a conversation lives in Slack: one thread (or one DM thread) of one workspace. */
export interface ThreadKey {
  teamId: string;
  channel: string;
  threadTs: string;
}

export type ImageDetail = 'low' | 'high' | 'auto';

/**
 * A file from a Slack message, prepared for the model. Images and PDFs carry their bytes in `data` while in
 * memory; stores keep those bytes under their own keys (bounded per thread) and leave `data` out when the
 * bytes have been forgotten, so a later turn can say the file is no longer available.
 */
export type Attachment =
  | {
      kind: 'image';
      /** Unique within the thread; names the stored bytes. */
      id: string;
      name: string;
      mime: 'image/png' | 'image/jpeg';
      width: number;
      height: number;
      detail: ImageDetail;
      /** Something the model should know, e.g. that only the first frame of an animation is shown. */
      note?: string;
      data?: Uint8Array;
      /** Set on a request's copy only: why the bytes were left out of this request (never stored). */
      leftOut?: LeftOutReason;
    }
  | {
      kind: 'pdf';
      id: string;
      name: string;
      bytes: number;
      /** Page count, when the PDF could be read (older stored PDFs lack it). */
      pages?: number;
      data?: Uint8Array;
      /** Set on a request's copy only: why the bytes were left out of this request (never stored). */
      leftOut?: LeftOutReason;
    }
  | { kind: 'text'; name: string; text: string; totalChars: number; truncated: boolean };

/** An attachment that was not given to the model, and why (shown to the user and told to the model). */
export interface SkippedFile {
  name: string;
  /** In catalog words; a plain string only in items stored before the catalogs (an English phrase). */
  reason: FileReason | string;
}

/** One entry of a thread's conversation as the model saw it, oldest first. */
export type ThreadItem =
  | {
      type: 'user';
      ts: string;
      userId: string;
      userName: string;
      text: string;
      attachments?: Attachment[];
      skipped?: SkippedFile[];
    }
  | {
      type: 'assistant';
      ts?: string;
      text: string;
      responseId?: string;
      model?: string;
      /** The person pressed Stop: `text` is the part of the answer shown until then. */
      stopped?: true;
    }
  | { type: 'function_call'; callId: string; name: string; arguments: string }
  /** `userId`: whose result it is when it is not the last asker's (a write run later on its asker's Approve click). */
  | { type: 'function_call_output'; callId: string; output: string; userId?: string }
  /**
   * An item of a tool the model's server runs itself (hosted MCP: mcp_list_tools, mcp_call, mcp_approval_request,
   * mcp_approval_response), kept as the Responses API wrote it and sent back verbatim with the history.
   */
  | { type: 'hosted'; item: HostedItem };

/** A hosted tool's item in the Responses API's own shape; `type` names it. */
export type HostedItem = { type: string } & Record<string, unknown>;

export interface ThreadStore {
  load(key: ThreadKey): Promise<ThreadItem[]>;
  /** Appends in order and extends the thread's time to live. */
  append(key: ThreadKey, items: readonly ThreadItem[]): Promise<void>;
  /** Whether the bot has taken part in this thread (it has stored items). */
  has(key: ThreadKey): Promise<boolean>;
  clear(key: ThreadKey): Promise<void>;
  /** Removes one person's messages (and tool results fetched for them) from a shared thread; returns how many items changed. */
  redactPerson(key: ThreadKey, userId: string): Promise<number>;
}
