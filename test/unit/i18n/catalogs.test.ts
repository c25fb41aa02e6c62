import IntlMessageFormat from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '../../../src/i18n/locales-map.js';
import { CATALOGS } from '../../../src/i18n/translators.js';

type Tree = { [key: string]: string | Tree };

/** Every leaf of a catalog as "a.b.c" → message. */
function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else for (const [kk, vv] of leaves(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}

interface Element {
  type: number;
  value?: string;
  options?: Record<string, { value: Element[] }>;
}

// intl-messageformat's AST element types: 1 argument, 2 number, 3 date, 4 time, 5 select, 6 plural.
const KIND: Record<number, string> = { 1: 'text', 2: 'number', 3: 'date', 4: 'time', 5: 'select', 6: 'number' };

/**
 * The placeholders a message fills, with what kind of value each takes ("count:number", "midTurn:select"),
 * nested options included. A plural counts as a number: Japanese writes "{n, plural, other {# 回}}" where English
 * needs two forms, and either way the caller passes a number.
 */
function placeholders(message: string, language: string): string[] {
  const out = new Set<string>();
  const walk = (elements: Element[]) => {
    for (const e of elements) {
      if (e.value !== undefined && KIND[e.type]) out.add(`${e.value}:${KIND[e.type]}`);
      for (const option of Object.values(e.options ?? {})) walk(option.value);
    }
  };
  walk(new IntlMessageFormat(message, language).getAst() as unknown as Element[]);
  return [...out].sort();
}

/** The options a select offers ("midTurn" → true, other): a caller's value must mean the same in every language. */
function selectOptions(message: string, language: string): string[] {
  const out: string[] = [];
  const walk = (elements: Element[]) => {
    for (const e of elements) {
      if (e.type === 5)
        out.push(
          `${e.value}:${Object.keys(e.options ?? {})
            .sort()
            .join('|')}`,
        );
      for (const option of Object.values(e.options ?? {})) walk(option.value);
    }
  };
  walk(new IntlMessageFormat(message, language).getAst() as unknown as Element[]);
  return out.sort();
}

const english = leaves(CATALOGS.en as Tree);

describe('the message catalogs', () => {
  it('has a catalog for every language Threadwise offers', () => {
    expect(Object.keys(CATALOGS).sort()).toEqual([...LANGUAGES].sort());
    expect(english.size).toBeGreaterThan(50);
  });

  for (const language of LANGUAGES.filter((l) => l !== 'en')) {
    const catalog = leaves(CATALOGS[language] as Tree);

    it(`${language} has every message the English catalog has, and no other`, () => {
      expect([...english.keys()].filter((k) => !catalog.has(k))).toEqual([]);
      expect([...catalog.keys()].filter((k) => !english.has(k))).toEqual([]);
    });

    it(`${language} fills the same placeholders as English in every message`, () => {
      const differ = [...english]
        .filter(([key]) => catalog.has(key))
        .filter(([key, en]) => {
          const other = catalog.get(key)!;
          return (
            placeholders(other, language).join() !== placeholders(en, 'en').join() ||
            selectOptions(other, language).join() !== selectOptions(en, 'en').join()
          );
        })
        .map(([key]) => key);
      expect(differ).toEqual([]);
    });

    it(`${language} is translated, not copied from English`, () => {
      const same = [...english].filter(([key, en]) => catalog.get(key) === en && /[a-z]{4,} [a-z]{4,}/i.test(en));
      // Help lines are only placeholders and markup; everything with words must read in the language.
      expect(same.map(([key]) => key)).toEqual([]);
    });
  }

  it('parses every message as ICU message format', () => {
    for (const language of LANGUAGES)
      for (const [key, message] of leaves(CATALOGS[language] as Tree))
        expect(() => new IntlMessageFormat(message, language), `${language} ${key}`).not.toThrow();
  });
});
