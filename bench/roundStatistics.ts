/** Distribution-free summaries of per-round figures (ratios, differences), and verdicts against a target. */

/** The median of the values (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A confidence interval of the median and the confidence it actually has. */
export interface MedianInterval {
  readonly low: number;
  readonly high: number;
  /** Exact coverage of [low, high] for any continuous distribution (sign test); below 0.95 for fewer than 6 values. */
  readonly confidence: number;
}

/**
 * The sign-test confidence interval of the median: [x(k), x(n-k+1)] of the sorted values, with the
 * largest k whose two tails P(Binomial(n, 1/2) <= k-1) stay within 2.5% each, so the coverage is at
 * least 95% whatever the distribution. With fewer than 6 values no such k exists; the whole range
 * is returned with the (lower) confidence it has, which the caller must print.
 */
export function medianInterval(values: readonly number[]): MedianInterval {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { low: NaN, high: NaN, confidence: 0 };
  let k = 1;
  let tail = binomialHalf(n, 0);
  while (k < n / 2 && tail + binomialHalf(n, k) <= 0.025) tail += binomialHalf(n, k++);
  return { low: sorted[k - 1], high: sorted[n - k], confidence: 1 - 2 * tail };
}

/** P(Binomial(n, 1/2) = k). */
export function binomialHalf(n: number, k: number): number {
  let c = 1;
  for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1);
  return c / 2 ** n;
}

/** Whether a figure's confidence interval shows a target met, missed, or neither. */
export type Verdict = 'MET' | 'MISSED' | 'UNRESOLVED';

/**
 * MET when the whole interval is on the good side of the limit, MISSED when the whole interval is on
 * the bad side, else UNRESOLVED. `atMost`: the figure must stay <= limit (a cost); otherwise >= limit.
 */
export function verdict(interval: { readonly low: number; readonly high: number }, limit: number, atMost: boolean): Verdict {
  const [good, bad] = atMost ? [interval.high <= limit, interval.low > limit] : [interval.low >= limit, interval.high < limit];
  return good ? 'MET' : bad ? 'MISSED' : 'UNRESOLVED';
}

/** The geometric mean (ratios are averaged on a log scale, so A/B and B/A mirror each other). */
export function geometricMean(values: readonly number[]): number {
  return Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
}
