// The Batch input and output line shapes every Batch job shares. Kept apart from requests.ts (which loads the
// tokenizer to estimate costs) so a job run by the bot itself, the gaps digest, does not load it at start-up.

export const BATCH_ENDPOINT = '/v1/responses';

/** One line of a Batch input file (BatchRequestInput). */
export interface BatchRequestLine {
  custom_id: string;
  method: 'POST';
  url: typeof BATCH_ENDPOINT;
  body: Record<string, unknown>;
}

/** custom_id carries the thread's address, so results can be matched (and reports built) from the batch alone. */
export const customIdFor = (channel: string, ts: string): string => `triage-${channel}-${ts}`;

export function parseCustomId(id: string): { channel: string; ts: string } | undefined {
  const m = /^triage-([A-Z0-9]+)-(\d+\.\d+)$/.exec(id);
  return m ? { channel: m[1]!, ts: m[2]! } : undefined;
}

export const toJsonl = (lines: readonly BatchRequestLine[]): string =>
  `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
