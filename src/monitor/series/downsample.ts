/**
 * Downsampling for display and long history. Bucket averages keep the level; keeping each bucket's
 * maximum as well keeps the spikes a user is looking for (a plain average would flatten them).
 */

/** A series as parallel arrays of times (ms since epoch) and values. */
export interface SeriesPoints {
  readonly times: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/** A downsampled series: one point per bucket with the bucket's mean and maximum. */
export interface DownsampledPoints {
  readonly times: Float64Array;
  readonly means: Float64Array;
  readonly maxima: Float64Array;
}

/**
 * Reduces a series to at most maxPoints points by splitting its index range into equal buckets.
 * Each output point takes the time of the bucket's last input (so the newest sample stays exact),
 * the mean and the maximum of the bucket. NaN values (gaps) are skipped; an all-NaN bucket is NaN.
 */
export function downsampleByBuckets(points: SeriesPoints, maxPoints: number): DownsampledPoints {
  const n = Math.min(points.times.length, points.values.length);
  const buckets = Math.max(0, Math.min(n, Math.floor(maxPoints)));
  const times = new Float64Array(buckets);
  const means = new Float64Array(buckets);
  const maxima = new Float64Array(buckets);
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    let sum = 0;
    let seen = 0;
    let max = -Infinity;
    for (let i = from; i < to; i++) {
      const v = points.values[i];
      if (Number.isNaN(v)) continue;
      sum += v;
      seen++;
      if (v > max) max = v;
    }
    times[b] = points.times[to - 1];
    means[b] = seen ? sum / seen : NaN;
    maxima[b] = seen ? max : NaN;
  }
  return { times, means, maxima };
}
