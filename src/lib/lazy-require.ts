import { createRequire } from 'node:module';

/**
 * A package that synchronous code needs only sometimes, loaded on first use instead of at start: the tokenizer and
 * the phone-number metadata are tens of MB of memory and hundreds of ms of start-up that most processes never use
 * (docs/benchmarks.md). Node's require loads CommonJS and ES modules alike; async code uses `await import()` instead.
 */
export function lazyRequire<T>(specifier: string, parentUrl: string): () => T {
  const require = createRequire(parentUrl);
  let loaded: T | undefined;
  return () => {
    loaded ??= require(specifier) as T;
    return loaded;
  };
}
