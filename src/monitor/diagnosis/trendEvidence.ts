import { mannKendall, theilSen } from '../leaks/trendStatistics';
import type { TrendEvidence } from './DiagnosisReport';

/** Samples beyond this are thinned evenly (the pairwise statistics are quadratic). */
const MAX_TREND_SAMPLES = 300;

/**
 * Robust growth of one series with the leak detector's statistics: the Theil-Sen slope per second,
 * and from the Mann-Kendall test the monotonicity (S over the number of pairs) and the confidence
 * of an increasing trend. NaN samples (gaps) are skipped; fewer than three samples give null.
 */
export function trendOf(series: TrendEvidence['series'], times: ArrayLike<number>, values: ArrayLike<number>): TrendEvidence | null {
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < times.length; i++) {
    if (Number.isFinite(values[i]) && Number.isFinite(times[i])) {
      t.push(times[i]);
      v.push(values[i]);
    }
  }
  if (t.length < 3) return null;
  const step = Math.max(1, t.length / MAX_TREND_SAMPLES);
  const ts: number[] = [];
  const vs: number[] = [];
  for (let i = 0; i < t.length; i += step) {
    ts.push(t[Math.floor(i)]);
    vs.push(v[Math.floor(i)]);
  }
  const seconds = ts.map((x) => x / 1000);
  const fit = theilSen(seconds, vs);
  const test = mannKendall(vs);
  const pairs = (ts.length * (ts.length - 1)) / 2;
  const rate = fit.slope;
  return {
    series,
    ratePerSecond: rate,
    first: v[0],
    last: v[v.length - 1],
    samples: t.length,
    seconds: (t[t.length - 1] - t[0]) / 1000,
    monotonicity: pairs > 0 ? test.s / pairs : 0,
    confidence: 1 - test.pIncreasing,
  };
}

/** Whether a trend shows sustained growth: mostly increasing pairs and a total rise above `minRiseBytes` and `minRiseShare` of the start. */
export function isGrowing(trend: TrendEvidence | null, minRise: number, minRiseShare = 0.05, minMonotonicity = 0.5): boolean {
  if (!trend) return false;
  const rise = trend.ratePerSecond * trend.seconds;
  return trend.monotonicity >= minMonotonicity && rise >= minRise && rise >= Math.abs(trend.first) * minRiseShare;
}
