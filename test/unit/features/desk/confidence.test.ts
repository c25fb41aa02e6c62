import { describe, expect, it } from 'vitest';
import { type TokenLogprob, yesProbability } from '../../../../src/features/desk/confidence.js';

const tok = (token: string, p: number, top: Array<[string, number]> = []): TokenLogprob => ({
  token,
  logprob: Math.log(p),
  top_logprobs: top.map(([t, q]) => ({ token: t, logprob: Math.log(q) })),
});

/** `{"answerable":<verdict>}` as the model emits it, token by token. */
const judgement = (verdict: TokenLogprob) => [
  tok('{"', 1),
  tok('answer', 1),
  tok('able', 1),
  tok('":', 1),
  verdict,
  tok('}', 1),
];

describe('the desk gate’s confidence from log-probabilities', () => {
  it('is the probability of true at the deciding token, from its alternatives', () => {
    expect(
      yesProbability(
        judgement(
          tok('true', 0.8, [
            ['true', 0.8],
            ['false', 0.15],
            ['True', 0.05],
          ]),
        ),
      ),
    ).toBeCloseTo(0.85 / 1.0, 6);
  });

  it('reads a false verdict the same way (the chance it could have been true)', () => {
    expect(
      yesProbability(
        judgement(
          tok('false', 0.7, [
            ['false', 0.7],
            ['true', 0.3],
          ]),
        ),
      ),
    ).toBeCloseTo(0.3, 6);
  });

  it('gives the unseen side the mass left over: a lone true at 80 % is 0.8, not certainty', () => {
    expect(yesProbability(judgement(tok('true', 0.8)))).toBeCloseTo(0.8, 6);
    expect(yesProbability(judgement(tok('false', 0.9)))).toBeCloseTo(0.1, 6);
  });

  it('ignores alternatives that are neither verdict and numbers the model wrote in the text', () => {
    const lp = [tok('{"', 1), tok('confidence', 1), tok('":', 1), tok('0', 1), tok('.99', 1), tok(',"', 1)];
    expect(
      yesProbability([
        ...lp,
        tok('true', 0.6, [
          ['true', 0.6],
          ['false', 0.2],
          ['maybe', 0.2],
        ]),
      ]),
    ).toBeCloseTo(0.75, 6);
  });

  it('is undefined without log-probabilities (a server that does not send them)', () => {
    expect(yesProbability([])).toBeUndefined();
    expect(yesProbability([tok('{"', 1), tok('}', 1)])).toBeUndefined();
  });

  it('stays within 0 and 1 whatever the numbers', () => {
    const p = yesProbability([{ token: 'true', logprob: 0, top_logprobs: [{ token: 'true', logprob: 0.5 }] }]);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThanOrEqual(1);
  });
});
