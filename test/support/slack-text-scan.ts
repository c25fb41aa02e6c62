import ts from 'typescript';

/**
 * Finds words the bot would write to Slack as literal text in source code, where a catalog key belongs.
 *
 * A literal counts as Slack text when it is:
 * - the literal part of a `mrkdwn` template (that tag exists only to build Slack text);
 * - the value of a Block Kit or Web API text field (`text`, `markdown_text`, `placeholder`, `alt_text`, `title`,
 *   `label`, `accessibility_label`, `hint`, `initial_value`, `custom_title`, `custom_message`) or of a modal's
 *   `errors`, also through a `?:`, `??` or `||` branch, or through a `const` of the same file;
 * - an argument of `respond(…)`, `tell(…)` or `say(…)`.
 * Model input (`{ type: 'input_text', text }`) is not Slack text and is skipped.
 *
 * "Words" means two or more letters outside `${…}` placeholders, `code spans` and URLs, so text built only from
 * values, emoji, punctuation and code (`*${label}*\n${value}`, `` `${id}` ``) passes.
 */
export interface SlackTextHit {
  file: string;
  line: number;
  text: string;
}

const TEXT_KEYS = new Set([
  'text',
  'markdown_text',
  'placeholder',
  'alt_text',
  'title',
  'label',
  'accessibility_label',
  'hint',
  'initial_value',
  'custom_title',
  'custom_message',
]);
const SAYING_CALLS = new Set(['respond', 'tell', 'say']);
/** Names, not words: the product's own name reads the same in every language. */
const NOT_WORDS = new Set(['Threadwise']);

/** The words of a literal, with placeholders, code spans and URLs taken out. */
export function wordsOf(text: string): string[] {
  const bare = text
    .replace(/`[^`]*`/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/<[^>]*>/g, ' ');
  return (bare.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !NOT_WORDS.has(w));
}

/** The literal text of a string or template (placeholders dropped); undefined for anything else. */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node))
    return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ');
  return undefined;
}

const nameOf = (n: ts.PropertyName): string | undefined =>
  ts.isIdentifier(n) || ts.isStringLiteral(n) ? n.text : undefined;

/** Whether an object literal is model input (`type: 'input_text'`), whose text goes to OpenAI, not Slack. */
function isModelInput(obj: ts.ObjectLiteralExpression): boolean {
  return obj.properties.some(
    (p) =>
      ts.isPropertyAssignment(p) &&
      nameOf(p.name) === 'type' &&
      ts.isStringLiteral(p.initializer) &&
      p.initializer.text === 'input_text',
  );
}

export function scanSlackText(file: string, source: string): SlackTextHit[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const consts = new Map<string, ts.Expression>();
  const collect = (n: ts.Node) => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) consts.set(n.name.text, n.initializer);
    ts.forEachChild(n, collect);
  };
  collect(sf);

  const hits: SlackTextHit[] = [];
  const hit = (node: ts.Node, text: string) => {
    if (wordsOf(text).length)
      hits.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: text.trim() });
  };
  /** A value that ends up as Slack text: its literal branches, or a same-file const's. */
  const value = (expr: ts.Expression, seen: ReadonlySet<string> = new Set()): void => {
    const e = ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) ? expr.expression : expr;
    const text = literalText(e);
    if (text !== undefined) {
      hit(e, text);
    } else if (ts.isConditionalExpression(e)) {
      value(e.whenTrue, seen);
      value(e.whenFalse, seen);
    } else if (
      ts.isBinaryExpression(e) &&
      (e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken ||
        e.operatorToken.kind === ts.SyntaxKind.BarBarToken)
    ) {
      value(e.left, seen);
      value(e.right, seen);
    } else if (ts.isArrayLiteralExpression(e)) {
      for (const el of e.elements) value(el, seen);
    } else if (ts.isCallExpression(e)) {
      // `clipPlain('…', 150)`, `['…', '…'].join('\n')`: the words inside still reach Slack. A catalog lookup
      // (`t.t('triage.untitled')`) names a key, not words; `.describe('…')` documents a schema.
      const callee = ts.isPropertyAccessExpression(e.expression) ? e.expression.name.text : undefined;
      if (callee === 't' || callee === 'describe') return;
      if (ts.isPropertyAccessExpression(e.expression)) value(e.expression.expression, seen);
      for (const arg of e.arguments) value(arg, seen);
    } else if (ts.isIdentifier(e) && !seen.has(e.text)) {
      const init = consts.get(e.text);
      if (init) value(init, new Set([...seen, e.text]));
    }
  };

  const visit = (n: ts.Node) => {
    if (ts.isTaggedTemplateExpression(n) && ts.isIdentifier(n.tag) && n.tag.text === 'mrkdwn') {
      const text = literalText(n.template);
      if (text !== undefined) hit(n, text);
    }
    if (ts.isPropertyAssignment(n)) {
      const key = nameOf(n.name);
      const parent = n.parent;
      if (key && TEXT_KEYS.has(key) && !(ts.isObjectLiteralExpression(parent) && isModelInput(parent)))
        value(n.initializer);
      if (key === 'errors' && ts.isObjectLiteralExpression(n.initializer))
        for (const p of n.initializer.properties) if (ts.isPropertyAssignment(p)) value(p.initializer);
    }
    // `{ channel, text }`: the const named `text` is what Slack shows.
    if (ts.isShorthandPropertyAssignment(n) && TEXT_KEYS.has(n.name.text)) value(n.name);
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && SAYING_CALLS.has(n.expression.text))
      for (const arg of n.arguments) value(arg);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return hits;
}
