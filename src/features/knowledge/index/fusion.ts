/**
 * Reciprocal rank fusion (Cormack et al., 2009): each ranking adds 1 / (k + rank) for the items it holds, so an item
 * high in both BM25 and vector search wins, and neither list's raw scores (incomparable) matter. k = 60 is the
 * paper's constant; it keeps one list's first place from outweighing agreement between the two.
 */
export function reciprocalRankFusion<T>(
  rankings: ReadonlyArray<readonly T[]>,
  k = 60,
): Array<{ id: T; score: number }> {
  const scores = new Map<T, number>();
  for (const ranking of rankings)
    ranking.forEach((id, i) => {
      scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1));
    });
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}
