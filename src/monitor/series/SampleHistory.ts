import { RingBuffer } from './RingBuffer';

/** Sizes of a SampleHistory's two tiers. */
export interface SampleHistoryOptions {
  /** Samples kept at full resolution (for example 15 minutes at 1 Hz = 900). */
  readonly recentCapacity: number;
  /** Width of one archived bucket in milliseconds (older history is kept at this resolution). */
  readonly archiveStepMs: number;
  /** Archived buckets kept (for example 24 h at 10 s = 8640). */
  readonly archiveCapacity: number;
}

/** A time-ordered slice of one series: parallel arrays, oldest first. */
export interface SeriesSlice {
  readonly times: Float64Array;
  readonly values: Float64Array;
}

/** One archived series: per bucket, the end time, the mean and the maximum. */
export interface ArchiveSlice {
  readonly times: Float64Array;
  readonly means: Float64Array;
  readonly maxima: Float64Array;
}

/**
 * Bounded history of several series sampled together (one time axis). Recent samples are kept at
 * full resolution; every sample is also folded into fixed-width buckets (mean and maximum) that are
 * kept far longer, so "session" views stay cheap while memory stays constant.
 */
export class SampleHistory<K extends string> {
  private readonly recentTimes: RingBuffer;
  private readonly recentValues: Map<K, RingBuffer>;
  private readonly archiveTimes: RingBuffer;
  private readonly archiveMeans: Map<K, RingBuffer>;
  private readonly archiveMaxima: Map<K, RingBuffer>;
  private bucketEnd = NaN;
  private bucketCount = 0;
  private readonly bucketSums: Map<K, number> = new Map();
  private readonly bucketMaxima: Map<K, number> = new Map();
  private readonly bucketSeen: Map<K, number> = new Map();

  constructor(readonly keys: readonly K[], private readonly options: SampleHistoryOptions) {
    if (!(options.archiveStepMs > 0)) throw new RangeError('archiveStepMs must be positive');
    this.recentTimes = new RingBuffer(options.recentCapacity);
    this.archiveTimes = new RingBuffer(options.archiveCapacity);
    this.recentValues = new Map(keys.map((k) => [k, new RingBuffer(options.recentCapacity)]));
    this.archiveMeans = new Map(keys.map((k) => [k, new RingBuffer(options.archiveCapacity)]));
    this.archiveMaxima = new Map(keys.map((k) => [k, new RingBuffer(options.archiveCapacity)]));
    this.resetBucket();
  }

  /** Number of samples held at full resolution. */
  get length(): number {
    return this.recentTimes.length;
  }

  /** Time of the newest sample, or undefined when empty. */
  get lastTime(): number | undefined {
    return this.recentTimes.last();
  }

  /** Appends one sample; a key missing from values is recorded as NaN (a gap). Times must not go backwards. */
  append(time: number, values: Partial<Record<K, number>>): void {
    const last = this.recentTimes.last();
    if (last !== undefined && time < last) return; // a clock step backwards: drop rather than corrupt the order
    this.recentTimes.push(time);
    for (const key of this.keys) {
      const v = values[key];
      this.recentValues.get(key)!.push(typeof v === 'number' ? v : NaN);
    }
    this.foldIntoBucket(time, values);
  }

  /** The newest value of a series, or undefined. */
  latest(key: K): number | undefined {
    return this.recentValues.get(key)?.last();
  }

  /** Full-resolution samples of one series at or after fromTime (all held samples by default). */
  recent(key: K, fromTime = -Infinity): SeriesSlice {
    const first = this.recentTimes.lowerBound(fromTime);
    const n = this.recentTimes.length - first;
    return { times: this.recentTimes.toArray(n), values: this.recentValues.get(key)!.toArray(n) };
  }

  /** Archived buckets of one series whose end is at or after fromTime. The open bucket is not included. */
  archive(key: K, fromTime = -Infinity): ArchiveSlice {
    const first = this.archiveTimes.lowerBound(fromTime);
    const n = this.archiveTimes.length - first;
    return {
      times: this.archiveTimes.toArray(n),
      means: this.archiveMeans.get(key)!.toArray(n),
      maxima: this.archiveMaxima.get(key)!.toArray(n),
    };
  }

  private foldIntoBucket(time: number, values: Partial<Record<K, number>>): void {
    const step = this.options.archiveStepMs;
    if (Number.isNaN(this.bucketEnd)) this.bucketEnd = (Math.floor(time / step) + 1) * step;
    if (time >= this.bucketEnd) {
      this.flushBucket();
      this.bucketEnd = (Math.floor(time / step) + 1) * step;
    }
    this.bucketCount++;
    for (const key of this.keys) {
      const v = values[key];
      if (typeof v !== 'number' || Number.isNaN(v)) continue;
      this.bucketSums.set(key, this.bucketSums.get(key)! + v);
      this.bucketSeen.set(key, this.bucketSeen.get(key)! + 1);
      if (v > this.bucketMaxima.get(key)!) this.bucketMaxima.set(key, v);
    }
  }

  private flushBucket(): void {
    if (this.bucketCount === 0) return;
    this.archiveTimes.push(this.bucketEnd);
    for (const key of this.keys) {
      const seen = this.bucketSeen.get(key)!;
      this.archiveMeans.get(key)!.push(seen ? this.bucketSums.get(key)! / seen : NaN);
      this.archiveMaxima.get(key)!.push(seen ? this.bucketMaxima.get(key)! : NaN);
    }
    this.resetBucket();
  }

  private resetBucket(): void {
    this.bucketCount = 0;
    for (const key of this.keys) {
      this.bucketSums.set(key, 0);
      this.bucketSeen.set(key, 0);
      this.bucketMaxima.set(key, -Infinity);
    }
  }
}
