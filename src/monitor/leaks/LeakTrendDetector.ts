import type { LeakKind, LeakSignal, LeakVerdict } from './LeakVerdict';
import { changePointIndex, halvesOf, isDecelerating, mannKendall, theilSen } from './trendStatistics';

/** Parameters of a LeakTrendDetector; the defaults are principled, not fitted to a corpus. */
export interface LeakTrendOptions {
  /** Width of a bucket: each bucket keeps the lowest value seen in it (the memory that survived). */
  readonly bucketSeconds: number;
  /** Buckets in the sliding window the trend is tested over. */
  readonly windowBuckets: number;
  /** Buckets needed before any verdict other than 'warming-up', and in a growth segment before it can be a leak. */
  readonly minBuckets: number;
  /**
   * Growth already under way when the process started is start-up (loading code, building an
   * index, filling a cache) until the process is this old; growth that begins after a flat
   * stretch is a change point, not start-up, and is judged as soon as its segment has minBuckets.
   */
  readonly startupSeconds: number;
  /** A stretch before the change point is flat when its rate is at most this fraction of the growth's. */
  readonly flatFraction: number;
  /** One-sided significance level of the Mann-Kendall test to call a leak. */
  readonly alpha: number;
  /** Significance level below which an existing leak verdict is kept (hysteresis: no flapping). */
  readonly alphaKeep: number;
  /** One-sided significance level at which a growth segment's newest half is slower than its older half: refuses a new leak. */
  readonly alphaSlowing: number;
  /** Confidence level of the Theil-Sen interval; its lower bound must be above zero. */
  readonly confidence: number;
  /** Growth is sustained while the newest half's rate (its upper bound, once a leak) is at least this fraction of the growth's rate. */
  readonly sustainedFraction: number;
  /** Slowest growth worth calling a leak, in units per second (practical significance). */
  readonly minRate: number;
  /** Least growth over the segment worth calling a leak, in units (practical significance: a trend can be significant and still tiny). */
  readonly minGrowth: number;
}

/**
 * A second opinion a detector asks before it calls growth a leak (the heap's: "did the growth
 * survive a major GC?"). Gets the would-be verdict, the detector (for its window values) and the
 * flat stretch the growth rose from, if it rose from one.
 */
export type LeakConfirmation = (verdict: LeakVerdict, detector: LeakTrendDetector, baseline: GrowthBaseline | undefined) => boolean;

/**
 * The flat stretch a growth segment rose from (a change point), when there was one: its last
 * bucket's time (ms since the epoch) and value. A bucket keeps the lowest value seen, so for heap
 * signals the value bounds from above what was live when the growth began.
 */
export interface GrowthBaseline {
  readonly time: number;
  readonly value: number;
}

/** Defaults: 5 s buckets, a 3-minute window, 30 s of growth, a start-up minute for growth that starts with the process. */
export const DEFAULT_LEAK_TREND_OPTIONS: LeakTrendOptions = {
  bucketSeconds: 5,
  windowBuckets: 36,
  // Six strictly rising points are the fewest that pass alpha = 0.01 (p = 0.0041).
  minBuckets: 6,
  startupSeconds: 60,
  // A change point in slope: the rate before the knee at most a quarter of the rate after it.
  flatFraction: 0.25,
  alpha: 0.01,
  alphaKeep: 0.05,
  // Refusing a leak is the cheap error (the next bucket asks again), so slowing needs less evidence than growth.
  alphaSlowing: 0.05,
  confidence: 0.95,
  sustainedFraction: 0.5,
  // 4 KiB/s is 14 MiB an hour: slower growth is not worth an alarm on a developer's machine.
  minRate: 4096,
  // A signal that retained less than 1 MiB has not cost the developer anything worth an interruption yet.
  minGrowth: 1024 * 1024,
};

/** Slowest handle growth worth calling a leak: one handle a minute. */
export const MIN_HANDLE_RATE = 1 / 60;
/** Fewest handles a leak must have gained. */
export const MIN_HANDLE_GROWTH = 5;

/**
 * An online trend detector for one signal of one process. Samples are folded into fixed-width
 * buckets that keep their lowest value (the lower envelope: what survived the GCs and the bursts);
 * at each closed bucket the newest `windowBuckets` buckets are tested for a monotonic upward trend
 * (Mann-Kendall over the whole window, which does not depend on where the growth is thought to
 * start). The growth segment starts at the window's change point (the knee of the best "flat, then
 * a line" fit); its rate and confidence interval are Theil-Sen's over that segment. A leak needs a
 * significant trend, a rate interval above zero and above `minRate`, growth over the segment of at
 * least `minGrowth` (a near-noiseless signal makes a tiny drift significant), a segment of at least
 * `minBuckets`, growth that is sustained in the segment's newest half (a plateau after a warm-up,
 * a bounded cache that reached its limit fail that) and not significantly slower there than in its
 * older half (saturating growth fails that: the difference of the halves' Theil-Sen slopes over its
 * standard error, read off their Sen intervals, is significant). Growth
 * under way since the process started may be start-up and waits for `startupSeconds`; growth after
 * a flat stretch does not. State is a fixed-size window: O(1) memory, O(1) work per sample and
 * O(window^2) per closed bucket.
 */
export class LeakTrendDetector {
  private readonly times: Float64Array;
  private readonly values: Float64Array;
  private count = 0;
  private head = 0;
  private bucketStart = NaN;
  private bucketMin = Infinity;
  private bucketMinTime = NaN;
  private firstTime = NaN;
  private current: LeakVerdict;
  private onset: number | undefined;

  constructor(
    readonly kind: LeakKind,
    readonly signal: LeakSignal,
    private readonly options: LeakTrendOptions = DEFAULT_LEAK_TREND_OPTIONS,
    /** The limit the signal runs into (V8's heap limit for heap signals), when known. */
    private limit?: number,
    /** When the process was first observed (ms since the epoch), if before this signal's first value. */
    originTime?: number,
    /** Asked before each 'leak' verdict; a refusal gives 'steady' with `suspected: true`. */
    private readonly confirmation?: LeakConfirmation,
  ) {
    if (originTime !== undefined) this.firstTime = originTime;
    this.times = new Float64Array(options.windowBuckets);
    this.values = new Float64Array(options.windowBuckets);
    this.current = { kind, signal, state: 'warming-up', rate: 0, rateLow: 0, rateHigh: 0, confidence: 0, time: 0 };
  }

  /** Sets the limit the signal runs into, learned after the detector started (an agent's hello comes after the first OS samples). */
  setLimit(limit: number | undefined): void {
    this.limit = limit;
  }

  /** The newest verdict. */
  get verdict(): LeakVerdict {
    return this.current;
  }

  /** Feeds one value measured at time (ms since the epoch); returns the verdict when a bucket closed, else undefined. */
  add(time: number, value: number): LeakVerdict | undefined {
    if (!Number.isFinite(value) || !Number.isFinite(time)) return undefined;
    if (Number.isNaN(this.firstTime)) this.firstTime = time;
    const width = this.options.bucketSeconds * 1000;
    let closed: LeakVerdict | undefined;
    if (!Number.isNaN(this.bucketStart) && time >= this.bucketStart + width) {
      this.closeBucket();
      closed = this.evaluate(time);
      this.bucketStart = NaN;
    }
    if (Number.isNaN(this.bucketStart)) {
      // Buckets are aligned to the first sample, so replaying a recording gives the live verdicts.
      this.bucketStart = this.firstTime + Math.floor((time - this.firstTime) / width) * width;
      this.bucketMin = Infinity;
    }
    if (value < this.bucketMin) {
      this.bucketMin = value;
      this.bucketMinTime = time;
    }
    return closed;
  }

  /** Notes that time passed without a value (e.g. no major GC): closes a due bucket. */
  tick(time: number): LeakVerdict | undefined {
    if (Number.isNaN(this.firstTime)) this.firstTime = time;
    if (Number.isNaN(this.bucketStart) || time < this.bucketStart + this.options.bucketSeconds * 1000) return undefined;
    this.closeBucket();
    this.bucketStart = NaN;
    return this.evaluate(time);
  }

  private closeBucket(): void {
    if (this.bucketMin === Infinity) return;
    const capacity = this.options.windowBuckets;
    this.times[this.head] = this.bucketMinTime;
    this.values[this.head] = this.bucketMin;
    this.head = (this.head + 1) % capacity;
    this.count = Math.min(capacity, this.count + 1);
    this.bucketMin = Infinity;
  }

  /** The window's points, oldest first, times in seconds since the first sample. */
  private window(): { t: number[]; v: number[] } {
    const capacity = this.options.windowBuckets;
    const t: number[] = [];
    const v: number[] = [];
    for (let i = 0; i < this.count; i++) {
      const k = (this.head - this.count + i + capacity) % capacity;
      t.push((this.times[k]! - this.firstTime) / 1000);
      v.push(this.values[k]!);
    }
    return { t, v };
  }

  private evaluate(now: number): LeakVerdict {
    const o = this.options;
    const base = { kind: this.kind, signal: this.signal, time: now };
    const warmingUp = (): LeakVerdict => {
      this.onset = undefined;
      return (this.current = { ...base, state: 'warming-up', rate: 0, rateLow: 0, rateHigh: 0, confidence: 0 });
    };
    if (this.count < o.minBuckets) return warmingUp();
    const { t, v } = this.window();
    const wasLeak = this.current.state === 'leak';
    // The growth segment: the points after the change point (the knee is the line's start, at the
    // flat level), so a step up and then flat is not growth; from the kept onset while a leak lasts.
    const knee = wasLeak && this.onset !== undefined ? Math.max(0, t.findIndex((ti) => this.firstTime + ti * 1000 >= this.onset!)) : changePointIndex(t, v);
    const segmentTimes = t.slice(knee + 1);
    const segmentValues = v.slice(knee + 1);
    const fit = theilSen(segmentTimes, segmentValues, o.confidence);
    const flatBefore = knee >= 2 && theilSen(t.slice(0, knee + 1), v.slice(0, knee + 1), o.confidence).slope <= o.flatFraction * fit.slope;
    if (!flatBefore && t[t.length - 1]! < o.startupSeconds) return warmingUp();
    const trend = mannKendall(v);
    const confidence = 1 - trend.pIncreasing;
    const measured = { rate: fit.slope, rateLow: fit.slopeLow, rateHigh: fit.slopeHigh, confidence };
    const steady = (suspected?: boolean): LeakVerdict => {
      this.onset = undefined;
      return (this.current = { ...base, state: 'steady', ...measured, ...(suspected ? { suspected } : {}) });
    };
    if (segmentTimes.length < o.minBuckets) return steady();
    const { older, recent } = halvesOf(segmentTimes, segmentValues, o.confidence);
    const alpha = wasLeak ? o.alphaKeep : o.alpha;
    // A new leak needs the newest half to keep at least sustainedFraction of the growth's pace (a
    // plateau after a warm-up, a cache at its limit fail); an existing one is kept until even the
    // upper bound of the newest half's rate falls below that (no flapping on noise).
    const sustained = (wasLeak ? recent.slopeHigh : recent.slope) >= o.sustainedFraction * fit.slope;
    // Slowing growth (a cache nearing its bound, saturation) refuses a new leak; an existing one
    // is released only when growth stops (not sustained, above), not when it merely slows: a slow
    // leak's floor, lifted by garbage before a major GC, looks slower after it.
    const decelerating = !wasLeak && isDecelerating(older, recent, o.alphaSlowing, o.confidence);
    const grown = fit.slope * (segmentTimes[segmentTimes.length - 1]! - segmentTimes[0]!);
    const growing = trend.pIncreasing < alpha && fit.slopeLow > 0 && fit.slope >= o.minRate && grown >= o.minGrowth && sustained && !decelerating;
    if (!growing) return steady();
    const kneeTime = this.firstTime + t[knee]! * 1000;
    const onset = this.onset ?? kneeTime;
    const level = v[v.length - 1]!;
    const secondsToLimit = this.limit !== undefined && fit.slope > 0 ? Math.max(0, (this.limit - level) / fit.slope) : undefined;
    const leak: LeakVerdict = {
      ...base,
      state: 'leak',
      ...measured,
      onsetTime: onset,
      ...(secondsToLimit !== undefined ? { secondsToLimit } : {}),
    };
    const baseline = flatBefore ? { time: kneeTime, value: v[knee]! } : undefined;
    if (!wasLeak && this.confirmation && !this.confirmation(leak, this, baseline)) return steady(true);
    this.onset = onset;
    return (this.current = leak);
  }

  /** The window's bucket value at or just before time (ms since the epoch); the oldest one if time is older. */
  valueAt(time: number): number | undefined {
    const capacity = this.options.windowBuckets;
    let found: number | undefined;
    for (let i = 0; i < this.count; i++) {
      const k = (this.head - this.count + i + capacity) % capacity;
      if (found === undefined || this.times[k]! <= time) found = this.values[k]!;
      if (this.times[k]! > time) break;
    }
    return found;
  }
}
