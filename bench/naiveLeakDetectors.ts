/**
 * The four naive leak detectors the quality benchmark compares against, as commonly written.
 * Each sees the same recording as ours and answers, per sample, whether it is alarming.
 */
import type { Recording, RecordedSample } from '../src/monitor/recording/recordingFormat';

/** A detector replayed over a recording: one boolean per sample (alarming or not). */
export interface ReplayedDetector {
  readonly name: string;
  replay(recording: Recording): boolean[];
}

/** The memory series a naive detector watches: the heap when there is an agent, else RSS. */
function memorySeries(samples: readonly RecordedSample[]): Array<number | undefined> {
  const hasHeap = samples.some((s) => s.heapUsedBytes !== undefined);
  return samples.map((s) => (hasHeap ? s.heapUsedBytes : s.rssBytes));
}

/** "Alarm when memory grew by 50 MB": RSS or heap above its first value + 50 MB. */
export const fixedGrowthRule: ReplayedDetector = {
  name: 'grew by 50 MB',
  replay({ samples }) {
    const limit = 50 * 1024 * 1024;
    let firstRss: number | undefined;
    let firstHeap: number | undefined;
    return samples.map((s) => {
      firstRss ??= s.rssBytes;
      firstHeap ??= s.heapUsedBytes;
      return (s.rssBytes !== undefined && firstRss !== undefined && s.rssBytes - firstRss >= limit) ||
        (s.heapUsedBytes !== undefined && firstHeap !== undefined && s.heapUsedBytes - firstHeap >= limit);
    });
  },
};

/** Rolling z-score: alarm when memory is more than 3 standard deviations above the mean of the previous 60 samples. */
export const rollingZScore: ReplayedDetector = {
  name: 'rolling z-score',
  replay({ samples }) {
    const series = memorySeries(samples);
    const window: number[] = [];
    return series.map((v) => {
      if (v === undefined) return false;
      let alarm = false;
      if (window.length >= 30) {
        const mean = window.reduce((a, b) => a + b, 0) / window.length;
        const sd = Math.sqrt(window.reduce((a, b) => a + (b - mean) ** 2, 0) / window.length);
        alarm = sd > 0 && (v - mean) / sd > 3;
      }
      window.push(v);
      if (window.length > 60) window.shift();
      return alarm;
    });
  },
};

/** node-memwatch's rule: the heap after GC grew across 5 consecutive major GCs (Node only). */
export const memwatchRule: ReplayedDetector = {
  name: 'memwatch 5 GCs',
  replay({ samples }) {
    let lastGc: number | undefined;
    let lastValue: number | undefined;
    let rising = 0;
    let alarm = false;
    return samples.map((s) => {
      if (s.heapAfterGcBytes !== undefined && s.gcMajor !== undefined && s.gcMajor !== lastGc) {
        rising = lastValue !== undefined && s.heapAfterGcBytes > lastValue ? rising + 1 : 0;
        alarm = rising >= 5;
        lastGc = s.gcMajor;
        lastValue = s.heapAfterGcBytes;
      }
      return alarm;
    });
  },
};

/** Least-squares slope of the last 60 s of memory above 10 KB/s. */
export const leastSquaresSlope: ReplayedDetector = {
  name: '60 s LS slope',
  replay({ samples }) {
    const series = memorySeries(samples);
    const points: Array<[number, number]> = [];
    return samples.map((s, i) => {
      const v = series[i];
      if (v === undefined) return false;
      points.push([s.t, v]);
      while (points.length && points[0]![0] < s.t - 60) points.shift();
      if (points.length < 30 || s.t < 60) return false;
      const n = points.length;
      const mt = points.reduce((a, p) => a + p[0], 0) / n;
      const mv = points.reduce((a, p) => a + p[1], 0) / n;
      let sxy = 0;
      let sxx = 0;
      for (const [t, y] of points) {
        sxy += (t - mt) * (y - mv);
        sxx += (t - mt) ** 2;
      }
      return sxx > 0 && sxy / sxx > 10 * 1024;
    });
  },
};

/** Every baseline, in the order the benchmark prints them. */
export const NAIVE_DETECTORS: readonly ReplayedDetector[] = [fixedGrowthRule, rollingZScore, memwatchRule, leastSquaresSlope];
