/** One token's log-probability with its most likely alternatives, as the Responses API reports it. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  top_logprobs?: ReadonlyArray<{ token?: string; logprob?: number }>;
}

const verdict = (token: string | undefined): 'yes' | 'no' | undefined => {
  const t = (token ?? '')
    .trim()
    .replace(/^"+|"+$/g, '')
    .toLowerCase();
  return t === 'true' ? 'yes' : t === 'false' ? 'no' : undefined;
};

/**
 * The probability of "yes" in a true/false judgement, from the log-probabilities of the token that decided it
 * (the first `true` or `false` in the output), never from a number the model wrote. The alternatives at that
 * position are summed per side; a side the top list does not show gets the probability mass left over, so a
 * lone `true` at 80 % counts as 0.8, not as certainty. Undefined when no such token is there (no logprobs).
 */
export function yesProbability(logprobs: readonly TokenLogprob[]): number | undefined {
  const at = logprobs.find((l) => verdict(l.token) !== undefined);
  if (!at) return undefined;
  const seen = new Map<string, number>();
  seen.set(at.token, at.logprob);
  for (const alt of at.top_logprobs ?? [])
    if (alt.token !== undefined && typeof alt.logprob === 'number' && !seen.has(alt.token))
      seen.set(alt.token, alt.logprob);
  let yes = 0;
  let no = 0;
  for (const [token, logprob] of seen) {
    const side = verdict(token);
    if (side === 'yes') yes += Math.exp(logprob);
    else if (side === 'no') no += Math.exp(logprob);
  }
  const shownYes = [...seen.keys()].some((t) => verdict(t) === 'yes');
  const shownNo = [...seen.keys()].some((t) => verdict(t) === 'no');
  if (!shownNo) no = Math.max(0, 1 - yes);
  if (!shownYes) yes = Math.max(0, 1 - no);
  const total = yes + no;
  return total > 0 ? Math.min(1, Math.max(0, yes / total)) : undefined;
}
