// Block Kit limits the fake Slack enforces, as Slack documents them (docs.slack.dev/reference/block-kit/blocks and
// /block-elements; the same numbers are in @slack/types' block-kit/*.d.ts and views.d.ts). Slack answers a
// message with too-long or too-many parts `invalid_blocks`, and a view `invalid_arguments`, each with
// response_metadata.messages such as "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]".

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export const MESSAGE_BLOCKS = 50;
export const VIEW_BLOCKS = 100;

class Checker {
  readonly errors: string[] = [];

  longest(value: unknown, max: number, at: string): void {
    if (typeof value === 'string' && value.length > max)
      this.errors.push(`[ERROR] must be less than ${max + 1} characters [json-pointer:${at}]`);
  }

  most(items: unknown[], max: number, at: string): void {
    if (items.length > max) this.errors.push(`[ERROR] no more than ${max} items allowed [json-pointer:${at}]`);
  }

  /** A text object: non-empty text, at most `max` characters, and plain_text where only that is allowed. */
  text(t: unknown, max: number, at: string, plainOnly = false): void {
    if (!isObj(t)) return;
    if (plainOnly && t.type !== 'plain_text') this.errors.push(`[ERROR] must be plain_text [json-pointer:${at}/type]`);
    if (typeof t.text !== 'string' || t.text.length === 0)
      this.errors.push(`[ERROR] must be more than 0 characters [json-pointer:${at}/text]`);
    this.longest(t.text, max, `${at}/text`);
  }

  element(e: unknown, at: string): void {
    if (!isObj(e)) return;
    this.longest(e.action_id, 255, `${at}/action_id`);
    if (e.type === 'button') {
      this.text(e.text, 75, `${at}/text`, true);
      this.longest(e.value, 2_000, `${at}/value`);
      this.longest(e.url, 3_000, `${at}/url`);
      this.longest(e.accessibility_label, 75, `${at}/accessibility_label`);
    } else if (e.type === 'plain_text_input') {
      this.longest(e.initial_value, 3_000, `${at}/initial_value`);
      this.text(e.placeholder, 150, `${at}/placeholder`, true);
    } else if (e.type === 'number_input') {
      // Slack refuses a number input whose initial value is not a number within its bounds.
      const n = Number(e.initial_value);
      const low = e.min_value === undefined ? -Infinity : Number(e.min_value);
      const high = e.max_value === undefined ? Infinity : Number(e.max_value);
      if (e.initial_value !== undefined && (Number.isNaN(n) || n < low || n > high))
        this.errors.push(`[ERROR] initial_value must be a number between min_value and max_value [json-pointer:${at}]`);
      if (e.is_decimal_allowed !== true && e.initial_value !== undefined && !Number.isInteger(n))
        this.errors.push(`[ERROR] initial_value must be an integer [json-pointer:${at}/initial_value]`);
    } else if (e.type === 'static_select' || e.type === 'checkboxes' || e.type === 'radio_buttons') {
      // https://docs.slack.dev/reference/block-kit/block-elements: select ≤100 options, checkboxes/radios ≤10.
      const options = list(e.options);
      this.most(options, e.type === 'static_select' ? 100 : 10, `${at}/options`);
      for (const [i, o] of options.entries()) {
        if (!isObj(o)) continue;
        this.text(o.text, 75, `${at}/options/${i}/text`, e.type === 'static_select');
        this.longest(o.value, 150, `${at}/options/${i}/value`);
      }
      const values = new Set(options.map((o) => (isObj(o) ? o.value : undefined)));
      const initial = e.type === 'checkboxes' ? list(e.initial_options) : e.initial_option ? [e.initial_option] : [];
      for (const o of initial)
        if (!isObj(o) || !values.has(o.value))
          this.errors.push(`[ERROR] initial options must match one of the options [json-pointer:${at}]`);
    }
  }

  block(b: unknown, at: string): void {
    if (!isObj(b)) return;
    this.longest(b.block_id, 255, `${at}/block_id`);
    switch (b.type) {
      case 'section':
        if (b.text === undefined && b.fields === undefined)
          this.errors.push(`[ERROR] must provide text or fields [json-pointer:${at}]`);
        this.text(b.text, 3_000, `${at}/text`);
        this.most(list(b.fields), 10, `${at}/fields`);
        for (const [i, f] of list(b.fields).entries()) this.text(f, 2_000, `${at}/fields/${i}`);
        if (b.accessory) this.element(b.accessory, `${at}/accessory`);
        break;
      case 'header':
        this.text(b.text, 150, `${at}/text`, true);
        break;
      case 'context':
        this.most(list(b.elements), 10, `${at}/elements`);
        for (const [i, e] of list(b.elements).entries()) this.text(e, 3_000, `${at}/elements/${i}`);
        break;
      case 'actions':
        this.most(list(b.elements), 25, `${at}/elements`);
        for (const [i, e] of list(b.elements).entries()) this.element(e, `${at}/elements/${i}`);
        break;
      case 'context_actions':
        this.most(list(b.elements), 5, `${at}/elements`);
        break;
      // docs.slack.dev table block: at most 100 rows of at most 20 cells, each raw_text or rich_text; one table
      // per message (checked in blockErrors).
      case 'table': {
        const rows = list(b.rows);
        if (!rows.length) this.errors.push(`[ERROR] must provide rows [json-pointer:${at}/rows]`);
        this.most(rows, 100, `${at}/rows`);
        for (const [r, row] of rows.entries()) {
          this.most(list(row), 20, `${at}/rows/${r}`);
          for (const [i, cell] of list(row).entries()) {
            const ok =
              isObj(cell) &&
              ((cell.type === 'raw_text' && typeof cell.text === 'string') ||
                (cell.type === 'rich_text' && Array.isArray(cell.elements)));
            if (!ok) this.errors.push(`[ERROR] invalid table cell [json-pointer:${at}/rows/${r}/${i}]`);
          }
        }
        this.most(list(b.column_settings), 20, `${at}/column_settings`);
        break;
      }
      case 'input':
        this.text(b.label, 2_000, `${at}/label`, true);
        this.text(b.hint, 2_000, `${at}/hint`, true);
        this.element(b.element, `${at}/element`);
        break;
      default:
        break;
    }
  }
}

/** What Slack would refuse in a message's (or a view's) blocks; empty when they are fine. */
export function blockErrors(blocks: unknown[], max: number, pointer = '/blocks'): string[] {
  const c = new Checker();
  c.most(blocks, max, pointer);
  for (const [i, b] of blocks.entries()) c.block(b, `${pointer}/${i}`);
  if (blocks.filter((b) => isObj(b) && b.type === 'table').length > 1)
    c.errors.push(`[ERROR] only one table block is allowed per message [json-pointer:${pointer}]`);
  return c.errors;
}

/** What Slack would refuse in a view: its title, buttons, metadata and up to 100 blocks. */
export function viewErrors(view: Json): string[] {
  const c = new Checker();
  c.text(view.title, 24, '/view/title', true);
  c.text(view.submit, 24, '/view/submit', true);
  c.text(view.close, 24, '/view/close', true);
  c.longest(view.private_metadata, 3_000, '/view/private_metadata');
  c.longest(view.callback_id, 255, '/view/callback_id');
  return [...c.errors, ...blockErrors(list(view.blocks), VIEW_BLOCKS, '/view/blocks')];
}
