/**
 * Neutralises Slack's control sequences in standard Markdown that leaves for Slack (`markdown_text`, markdown
 * blocks, streams) and was written by the model, a tool, a ticket or a person. Slack reads `<!channel>`,
 * `<!here>`, `<!subteam^…>`, `<@U…>`, `<#C…>` and `<url|label>` in that text too, and Markdown links may point
 * at `javascript:` or `data:` URLs. The `<` of such a sequence (or the entity spelling it) becomes `‹`, which reads
 * the same but is no Slack syntax, whether or not Slack decodes `&lt;` before it looks; a Markdown link or
 * reference definition to anything but http(s), mailto or a relative path gets a zero-width space after its `]`,
 * so CommonMark no longer sees a link. Ordinary text, code and links are left exactly as written.
 *
 * A scanner rather than a Markdown parser (remark and the like): it must work on a stream cut anywhere, leave the
 * model's text byte for byte instead of re-serialising it, and judge `<…>` the way Slack reads it, before and after
 * entity decoding and inside code too, which a CommonMark syntax tree does not show.
 */

/** Stands in for the `<` of a Slack sequence: a different character that looks alike. */
const LOOKALIKE = '\u2039';
/** Invisible, and not whitespace to CommonMark: `[x]\u200B(url)` is text, not a link. */
const BREAK = '\u200B';
/** `<` as Markdown may spell it: the character or an entity reference (CommonMark decodes those in text). */
const OPENER = /^(?:<|&(?:lt|LT);|&#0*60;|&#[xX]0*3[cC];)/;
/** The rest of the text is an `&` that may still become an opener once more text arrives. */
const PARTIAL_OPENER = /^&(?:l|lt|L|LT|#0*|#0*6|#0*60|#[xX]0*|#[xX]0*3|#[xX]0*3[cC])?$/;
/** `<!` that starts an HTML comment, CDATA or doctype (code samples), not a Slack command. */
const HARMLESS_BANG = ['!--', '![cdata[', '!doctype'];
const SAFE_SCHEMES = new Set(['http', 'https', 'mailto']);
/** A sequence still undecided after this many characters is broken rather than held back any longer. */
const HOLD_LIMIT = 2_048;
const CANDIDATE = /[<&\]]/g;
const SPACE = /\s/;

type Verdict = 'keep' | 'break' | 'hold';

/** Whether a complete `<target>` names a URL scheme other than http(s)/mailto (`javascript:`, `data:` …). */
function unsafeScheme(target: string): boolean {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(target)?.[1];
  return scheme !== undefined && !SAFE_SCHEMES.has(scheme.toLowerCase());
}

/** What follows an opener at `k`: a Slack sequence (break), plain text (keep), or not known yet (hold). */
function sequenceAt(text: string, k: number, final: boolean, depth = 0): Verdict {
  const undecided: Verdict = final ? 'keep' : 'hold';
  const c = text[k];
  if (c === undefined) return undecided;
  if (c === '!' || c === '@' || c === '#') {
    const next = text[k + 1];
    if (next === undefined) return undecided;
    if (SPACE.test(next)) return 'keep';
    if (c !== '!') return 'break';
    const head = text.slice(k, k + 8).toLowerCase();
    if (HARMLESS_BANG.some((h) => head.startsWith(h))) return 'keep';
    if (!final && HARMLESS_BANG.some((h) => head.length < h.length && h.startsWith(head))) return 'hold';
    return 'break';
  }
  // `<<…`: if the inner `<` is replaced, this one starts the sequence instead, so it shares the inner's fate.
  if (c === '<') return depth < HOLD_LIMIT ? sequenceAt(text, k + 1, final, depth + 1) : 'break';
  // An entity or escape right after `<` could spell `!`, `@`, `#`, `<` or `|`.
  if (c === '&' || c === '\\' || c === '|') return 'break';
  if (c === '>' || SPACE.test(c)) return 'keep';
  for (let p = k; p - k <= HOLD_LIMIT; p++) {
    const ch = text[p];
    if (ch === undefined) return undecided;
    if (ch === '|' || ch === '&' || ch === '\\') return 'break';
    if (ch === '>') return unsafeScheme(text.slice(k, p)) ? 'break' : 'keep';
    if (ch === '<') return depth < HOLD_LIMIT ? sequenceAt(text, p + 1, final, depth + 1) : 'break';
    if (SPACE.test(ch)) return 'keep';
  }
  return 'break';
}

/** A link destination starting at `p` (after `](` or `]:`): anything but http(s), mailto or a relative path breaks. */
function destinationAt(text: string, p: number, final: boolean): Verdict {
  const undecided: Verdict = final ? 'keep' : 'hold';
  let q = p;
  while (q < text.length && SPACE.test(text[q]!)) if (++q - p > 64) return 'break';
  if (text[q] === '<') q++;
  const c = text[q];
  if (c === undefined) return undecided;
  if (/[/#?.)]/.test(c)) return 'keep';
  if (!/[A-Za-z]/.test(c)) return 'break';
  let r = q;
  while (r < text.length && r - q < 64 && /[A-Za-z0-9+.-]/.test(text[r]!)) r++;
  const after = text[r];
  if (after === undefined) return r - q < 64 ? undecided : 'keep';
  if (after === ':') return SAFE_SCHEMES.has(text.slice(q, r).toLowerCase()) ? 'keep' : 'break';
  return after === '&' || after === '\\' || after === '%' ? 'break' : 'keep';
}

type Step = { emit: string; next: number } | 'hold';

function atOpener(text: string, j: number, final: boolean): Step {
  const open = OPENER.exec(text.slice(j, j + 12))?.[0];
  if (!open) {
    if (!final && text.length - j < 12 && PARTIAL_OPENER.test(text.slice(j))) return 'hold';
    return { emit: text[j]!, next: j + 1 };
  }
  const verdict = sequenceAt(text, j + open.length, final);
  if (verdict === 'hold') return 'hold';
  return { emit: verdict === 'break' ? LOOKALIKE : open, next: j + open.length };
}

function atBracket(text: string, j: number, final: boolean): Step {
  const c = text[j + 1];
  if (c === undefined) return final ? { emit: ']', next: j + 1 } : 'hold';
  if (c !== '(' && c !== ':') return { emit: ']', next: j + 1 };
  const verdict = destinationAt(text, j + 2, final);
  if (verdict === 'hold') return 'hold';
  return { emit: verdict === 'break' ? `]${BREAK}` : ']', next: j + 1 };
}

/** Neutralises what can be decided; `rest` is a tail that needs more text (always empty when `final`). */
function scan(text: string, final: boolean): { out: string; rest: string } {
  let out = '';
  let i = 0;
  for (;;) {
    CANDIDATE.lastIndex = i;
    const m = CANDIDATE.exec(text);
    if (!m) return { out: out + text.slice(i), rest: '' };
    out += text.slice(i, m.index);
    const step = m[0] === ']' ? atBracket(text, m.index, final) : atOpener(text, m.index, final);
    if (step === 'hold') return { out, rest: text.slice(m.index) };
    out += step.emit;
    i = step.next;
  }
}

/** Neutralises one complete Markdown text. */
export function neutraliseMarkdown(text: string): string {
  return scan(text, true).out;
}

/**
 * The same for text that arrives in pieces: a sequence split across pieces (`<!chan` + `nel>`) is held back
 * until it can be judged, so the concatenation of everything returned is neutralised as a whole.
 */
export class MarkdownGuard {
  private held = '';

  push(piece: string): string {
    const { out, rest } = scan(this.held + piece, false);
    this.held = rest;
    return out;
  }

  /** Everything still held, judged as the end of the text. */
  flush(): string {
    const out = neutraliseMarkdown(this.held);
    this.held = '';
    return out;
  }

  /** Drops what is held (the text it belonged to was discarded). */
  reset(): void {
    this.held = '';
  }
}
