/**
 * Robust trend statistics for the leak detector: the Mann-Kendall trend test (with the tie
 * correction of its variance) and the Theil-Sen slope with Sen's rank-based confidence interval.
 * Both are distribution-free and insensitive to outliers, which GC saw-teeth and allocation bursts
 * produce in every memory series. Pure functions over plain arrays; O(n^2) in the number of points,
 * which the detector keeps small (tens of bucketed points).
 */

/** The outcome of a Mann-Kendall test. */
export interface MannKendallResult {
  /** Number of points. */
  readonly n: number;
  /** Kendall's S: concordant minus discordant pairs (positive: increasing). */
  readonly s: number;
  /** Variance of S under the no-trend hypothesis, corrected for ties. */
  readonly variance: number;
  /** Standard normal score of S, with the continuity correction. */
  readonly z: number;
  /** One-sided p-value of an increasing trend (P[S >= s] under no trend). */
  readonly pIncreasing: number;
  /** Two-sided p-value of any trend. */
  readonly pTwoSided: number;
}

/** A Theil-Sen fit with Sen's confidence interval of the slope. */
export interface TheilSenResult {
  /** Median of the pairwise slopes (value units per time unit). */
  readonly slope: number;
  /** Lower and upper bounds of the slope at the requested confidence. */
  readonly slopeLow: number;
  readonly slopeHigh: number;
  /** Median of value - slope * time: the fitted line is intercept + slope * time. */
  readonly intercept: number;
}

/** Mann-Kendall trend test on values in time order. */
export function mannKendall(values: ArrayLike<number>): MannKendallResult {
  const n = values.length;
  let s = 0;
  for (let i = 0; i < n - 1; i++) {
    const vi = values[i]!;
    for (let j = i + 1; j < n; j++) {
      const d = values[j]! - vi;
      if (d > 0) s++;
      else if (d < 0) s--;
    }
  }
  const variance = mannKendallVariance(values);
  const z = variance > 0 ? (s > 0 ? (s - 1) / Math.sqrt(variance) : s < 0 ? (s + 1) / Math.sqrt(variance) : 0) : 0;
  const pIncreasing = variance > 0 ? 1 - normalCdf(z) : 1;
  const pTwoSided = variance > 0 ? Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))) : 1;
  return { n, s, variance, z, pIncreasing, pTwoSided };
}

/** Var(S) = [n(n-1)(2n+5) - sum over tie groups of t(t-1)(2t+5)] / 18. */
export function mannKendallVariance(values: ArrayLike<number>): number {
  const n = values.length;
  const sorted = Array.from(values).sort((a, b) => a - b);
  let ties = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && sorted[j] === sorted[i]) j++;
    const t = j - i;
    if (t > 1) ties += t * (t - 1) * (2 * t + 5);
    i = j;
  }
  return (n * (n - 1) * (2 * n + 5) - ties) / 18;
}

/**
 * Theil-Sen slope of values over times, with Sen's (1968) confidence interval at `confidence`
 * (two-sided): with N pairwise slopes sorted and C = z(1 - alpha/2) * sqrt(Var S), the bounds are
 * the slopes of rank (N - C)/2 and (N + C)/2 + 1 (1-based; interpolated between neighbours).
 * Pairs with equal times are skipped.
 */
export function theilSen(times: ArrayLike<number>, values: ArrayLike<number>, confidence = 0.95): TheilSenResult {
  const n = Math.min(times.length, values.length);
  const slopes: number[] = [];
  for (let i = 0; i < n - 1; i++) {
    for (let j = i + 1; j < n; j++) {
      const dt = times[j]! - times[i]!;
      if (dt !== 0) slopes.push((values[j]! - values[i]!) / dt);
    }
  }
  if (slopes.length === 0) return { slope: 0, slopeLow: 0, slopeHigh: 0, intercept: n ? median(Array.from(values).slice(0, n)) : 0 };
  slopes.sort((a, b) => a - b);
  const slope = medianOfSorted(slopes);
  const count = slopes.length;
  const c = normalQuantile(1 - (1 - confidence) / 2) * Math.sqrt(mannKendallVariance(Array.from(values).slice(0, n)));
  const slopeLow = rankOfSorted(slopes, (count - c) / 2);
  const slopeHigh = rankOfSorted(slopes, (count + c) / 2 + 1);
  const residuals: number[] = [];
  for (let i = 0; i < n; i++) residuals.push(values[i]! - slope * times[i]!);
  return { slope, slopeLow, slopeHigh, intercept: median(residuals) };
}

/**
 * The change point of a series that is flat and then rises: the index of the knee of the best
 * "flat at the mean of the points before the knee, then a line from that level" least-squares fit
 * (the line's slope is not allowed below zero). 0 when the series rises (or falls) throughout.
 * O(n^2).
 */
export function changePointIndex(times: ArrayLike<number>, values: ArrayLike<number>): number {
  const n = Math.min(times.length, values.length);
  let bestSse = Infinity;
  let bestKnee = 0;
  let prefixSum = 0;
  for (let k = 0; k < Math.max(1, n - 2); k++) {
    if (k > 0) prefixSum += values[k - 1]!;
    const flatMean = k ? prefixSum / k : values[0]!;
    let sse = 0;
    for (let i = 0; i < k; i++) sse += (values[i]! - flatMean) ** 2;
    let sxx = 0;
    let sxy = 0;
    for (let i = k; i < n; i++) {
      sxx += (times[i]! - times[k]!) ** 2;
      sxy += (times[i]! - times[k]!) * (values[i]! - flatMean);
    }
    const b = sxx > 0 ? Math.max(0, sxy / sxx) : 0;
    for (let i = k; i < n; i++) sse += (values[i]! - flatMean - b * (times[i]! - times[k]!)) ** 2;
    if (sse < bestSse) {
      bestSse = sse;
      bestKnee = k;
    }
  }
  return bestKnee;
}

/** Theil-Sen fits of a series' older and newest halves (the older gets the middle point of an odd count). */
export function halvesOf(times: readonly number[], values: readonly number[], confidence = 0.95): { older: TheilSenResult; recent: TheilSenResult } {
  const split = Math.ceil(times.length / 2);
  return {
    older: theilSen(times.slice(0, split), values.slice(0, split), confidence),
    recent: theilSen(times.slice(split), values.slice(split), confidence),
  };
}

/**
 * The standard normal score of "the older half grew faster than the newest half": the difference
 * of the two Theil-Sen slopes over its standard error, each half's error read off its Sen interval
 * at `confidence` (the side facing the other half: the older one's lower side, the newest one's
 * upper side). Positive when growth slowed down. 0 when neither interval has any width.
 */
export function decelerationScore(older: TheilSenResult, recent: TheilSenResult, confidence = 0.95): number {
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const olderError = (older.slope - older.slopeLow) / z;
  const recentError = (recent.slopeHigh - recent.slope) / z;
  const error = Math.hypot(olderError, recentError);
  const difference = older.slope - recent.slope;
  return error > 0 ? difference / error : difference > 0 ? Infinity : difference < 0 ? -Infinity : 0;
}

/**
 * Whether growth slowed down, significantly and by a margin that matters: the older half's slope
 * exceeds the newest half's at one-sided level `alpha` (decelerationScore), and the newest half's
 * slope is at most `maxRatio` of the older one (on near-noiseless series, such as handle counts,
 * the intervals shrink to points and a 1% wobble of a request rate would otherwise count).
 * Saturating growth and a cache reaching its bound do this; a leak does not.
 */
export function isDecelerating(older: TheilSenResult, recent: TheilSenResult, alpha = 0.05, confidence = 0.95, maxRatio = 0.75): boolean {
  return decelerationScore(older, recent, confidence) > normalQuantile(1 - alpha) && recent.slope <= maxRatio * older.slope;
}

/** The median of some numbers (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  return medianOfSorted([...values].sort((a, b) => a - b));
}

function medianOfSorted(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The element of 1-based (fractional) rank in a sorted array, clamped to its ends. */
function rankOfSorted(sorted: readonly number[], rank: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, rank - 1));
  const lo = Math.floor(index);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (index - lo);
}

/** Standard normal cumulative distribution (W. J. Cody's erfc rational approximation via erf, |error| < 1.2e-7). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

function erfc(x: number): number {
  // Numerical Recipes' erfcc (Chebyshev fit), fractional error < 1.2e-7 everywhere.
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Inverse of the standard normal CDF (Acklam's algorithm, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p <= 0 ? -Infinity : Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
