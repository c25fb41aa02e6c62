/**
 * Splits Markdown answers for Slack's size limits (12,000 chars per markdown_text call, 40,000 per message)
 * without leaving a code block open across messages: a block that has to be split is closed at the end of one
 * piece and reopened, with the same info string, at the start of the next.
 */

/**
 * A cut in `text`: the piece is `text.slice(0, index)`, the rest continues at `resume` (boundary whitespace in
 * between is dropped). When `openFence` is set the cut falls inside a code block: the piece needs
 * `'\n' + closingFence(openFence)` appended (already counted against `max`) and the rest `openFence + '\n'` prepended.
 */
export interface Cut {
  index: number;
  resume: number;
  openFence: string | null;
}

interface Fence {
  line: string;
  closer: string;
}

interface Line {
  start: number;
  end: number;
  blank: boolean;
  fence: boolean;
  before: Fence | null;
  after: Fence | null;
}

// Any indentation is accepted because models indent fences inside list items.
const OPENER = /^([ \t]*)(`{3,}|~{3,})(.*)$/;
const CLOSER = /^[ \t]*(`{3,}|~{3,})[ \t\r]*$/;
const BLANK_LINES = /(?:[ \t\r]*\n)*/y;

/** The line that closes a code block opened by `openFence` (e.g. "```ts" → "```", "  ~~~~" → "  ~~~~"). */
export function closingFence(openFence: string): string {
  const m = OPENER.exec(openFence);
  return m ? `${m[1]}${m[2]}` : '```';
}

function opens(line: string): Fence | null {
  const m = OPENER.exec(line);
  if (!m) return null;
  const [, indent = '', marker = '', info = ''] = m;
  // ```like this``` on one line is inline code, not a block.
  if (marker.startsWith('`') && info.includes('`')) return null;
  return { line: line.trimEnd(), closer: indent + marker };
}

function closes(fence: Fence, line: string): boolean {
  const m = CLOSER.exec(line);
  const marker = fence.closer.trimStart();
  return !!m && m[1]![0] === marker[0] && m[1]!.length >= marker.length;
}

/** Lines up to the first one starting after `upTo`, each with the code-block state around it. */
function scan(text: string, upTo: number): Line[] {
  const lines: Line[] = [];
  let open: Fence | null = null;
  for (let start = 0; ; ) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    const s = text.slice(start, end);
    const before: Fence | null = open;
    let fence = false;
    if (open) {
      if (closes(open, s)) [open, fence] = [null, true];
    } else {
      const f = opens(s);
      if (f) [open, fence] = [f, true];
    }
    lines.push({ start, end, blank: !before && !open && /^[ \t\r]*$/.test(s), fence, before, after: open });
    if (nl === -1 || start > upTo) return lines;
    start = nl + 1;
  }
}

/** Characters a piece ending inside `fence` needs for its closing line; too-long fences are not worth keeping. */
function closeCost(fence: Fence | null, max: number): number {
  if (!fence) return 0;
  const cost = fence.closer.length + 1;
  return cost + fence.line.length + 2 > max ? 0 : cost;
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t';

function findCut(text: string, max: number, minIndex: number): Cut {
  const lines = scan(text, max);
  const fenceOf = (f: Fence | null): string | null => (f && closeCost(f, max) ? f.line : null);
  const tail = lines[lines.length - 1]!;
  if (text.length + closeCost(tail.after, max) <= max)
    return { index: text.length, resume: text.length, openFence: fenceOf(tail.after) };

  let paragraph: Cut | undefined;
  let line: Cut | undefined;
  let code: Cut | undefined;
  for (let i = 0; i < lines.length - 1; i++) {
    const l = lines[i]!;
    if (l.end < minIndex) continue;
    if (!l.after && !l.blank && l.end <= max) {
      let index = l.end;
      while (index > Math.max(minIndex, l.start) && /\s/.test(text[index - 1]!)) index--;
      BLANK_LINES.lastIndex = l.end + 1;
      const resume = l.end + 1 + (BLANK_LINES.exec(text)?.[0].length ?? 0);
      if (lines[i + 1]!.blank) paragraph = { index, resume, openFence: null };
      else line = { index, resume, openFence: null };
    } else if (l.after && l.before && l.end + closeCost(l.after, max) <= max) {
      // Never right after the opening fence: that would leave an empty code block behind.
      code = { index: l.end, resume: l.end + 1, openFence: fenceOf(l.after) };
    }
  }
  const best = paragraph ?? line ?? code;
  if (best) return best;

  // One line longer than the room left: cut at the last space, then anywhere.
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (l.fence) continue;
    const last = Math.min(l.end - 1, max - closeCost(l.before, max));
    for (let p = last; p > Math.max(l.start, minIndex - 1); p--) {
      if (!isSpace(text[p]) || isSpace(text[p - 1])) continue;
      let resume = p;
      while (isSpace(text[resume])) resume++;
      if (resume < l.end) return { index: p, resume, openFence: fenceOf(l.before) };
    }
  }
  const at = lines.find((l) => l.end >= max) ?? tail;
  let index = max - closeCost(at.before, max);
  let openFence = fenceOf(at.before);
  if (index < minIndex) [index, openFence] = [max, null];
  // Never split a surrogate pair (emoji): Slack would show a replacement character.
  if (index > minIndex && /[\uD800-\uDBFF]/.test(text[index - 1] ?? '')) index--;
  return { index, resume: index, openFence };
}

/**
 * The best place to end a piece of at most `max` characters (closing fence included) in `text`, which may still
 * be growing: after a paragraph, else after a line outside code, else after a line inside a code block, else at a
 * space, else at `max`. When all of `text` fits, the cut is at its end. The cut falls after `from` (text before it
 * is already shown and cannot be cut any more) unless no room is left there.
 */
export function safeCutPoint(text: string, max: number, from = 0): Cut {
  if (max < 1 || !text) return { index: 0, resume: 0, openFence: null };
  return findCut(text, max, from + 1);
}
