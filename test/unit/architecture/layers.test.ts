import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layering docs/architecture.md describes, checked on the code so that the map and the house stay true.
const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

interface Import {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const files = sourceFiles(src);
const imports: Import[] = files.flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => ({
    from: relative(src, file),
    to: m[1]!.startsWith('.') ? relative(src, resolve(dirname(file), m[1]!)) : `npm:${m[1]}`,
  })),
);

/** "features/triage/wire.ts" → "features/triage"; "turn/run-turn.ts" → "turn". */
function unit(path: string): string {
  const [top, second] = path.split('/');
  return top === 'features' || top === 'platform' ? `${top}/${second}` : top!.replace(/\.ts$/, '');
}

const crossing = (fromTop: string, toTop: string) =>
  imports.filter((i) => i.from.split('/')[0] === fromTop && i.to.split('/')[0] === toTop);

describe('the layers of the code', () => {
  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it('keeps lib free of everything else in the app', () => {
    expect(
      imports.filter((i) => i.from.startsWith('lib/') && !i.to.startsWith('npm:') && !i.to.startsWith('lib/')),
    ).toEqual([]);
  });

  it('keeps the catalogs free of the app: the turn and every layer above may use them', () => {
    expect(
      imports.filter((i) => i.from.startsWith('i18n/') && !i.to.startsWith('npm:') && !/^(i18n|lib)\//.test(i.to)),
    ).toEqual([]);
  });

  it('keeps the turn core pure: no Slack, OpenAI, Redis or queue, no platform or feature code', () => {
    const impure = imports.filter(
      (i) =>
        i.from.startsWith('turn/') &&
        (/^npm:(@slack\/|openai|ioredis|bullmq)/.test(i.to) || /^(platform|features|app|cli)\//.test(i.to)),
    );
    expect(impure).toEqual([]);
  });

  it('lets the platform know no feature, and nothing below the composition root know the app or the CLI', () => {
    expect(crossing('platform', 'features')).toEqual([]);
    for (const top of ['lib', 'config', 'turn', 'platform', 'features'])
      expect([...crossing(top, 'app'), ...crossing(top, 'cli')]).toEqual([]);
  });

  it('has no cycle between folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const i of imports) {
      if (i.to.startsWith('npm:')) continue;
      const [a, b] = [unit(i.from), unit(i.to)];
      if (a !== b) edges.set(a, (edges.get(a) ?? new Set()).add(b));
    }
    const cycles: string[] = [];
    const visit = (node: string, path: string[]) => {
      for (const next of edges.get(node) ?? []) {
        if (next === path[0]) cycles.push([...path, next].join(' → '));
        else if (!path.includes(next) && next > path[0]!) visit(next, [...path, next]);
      }
    };
    for (const start of edges.keys()) visit(start, [start]);
    expect(cycles).toEqual([]);
  });
});
