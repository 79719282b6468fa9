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
 *
 * Lazy keys (for example the agent's heap series, which most processes never have) get storage
 * only when their first number arrives, back-filled with gaps; until then they read as gaps and
 * are not listed in `keys`.
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

  private readonly activeKeys: K[];
  private readonly pendingKeys: K[];

  constructor(keys: readonly K[], private readonly options: SampleHistoryOptions, lazyKeys: readonly K[] = []) {
    if (!(options.archiveStepMs > 0)) throw new RangeError('archiveStepMs must be positive');
    this.activeKeys = [...keys];
    this.pendingKeys = lazyKeys.filter((k) => !keys.includes(k));
    this.recentTimes = new RingBuffer(options.recentCapacity);
    this.archiveTimes = new RingBuffer(options.archiveCapacity);
    this.recentValues = new Map(keys.map((k) => [k, new RingBuffer(options.recentCapacity)]));
    this.archiveMeans = new Map(keys.map((k) => [k, new RingBuffer(options.archiveCapacity)]));
    this.archiveMaxima = new Map(keys.map((k) => [k, new RingBuffer(options.archiveCapacity)]));
    this.resetBucket();
  }

  /** The series that hold data (lazy keys appear once their first value arrived). */
  get keys(): readonly K[] {
    return this.activeKeys;
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
    if (this.pendingKeys.length) this.activateLazyKeys(values);
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
    const values = this.recentValues.get(key);
    return { times: this.recentTimes.toArray(n), values: values ? values.toArray(n) : new Float64Array(n).fill(NaN) };
  }

  /** Archived buckets of one series whose end is at or after fromTime. The open bucket is not included. */
  archive(key: K, fromTime = -Infinity): ArchiveSlice {
    const first = this.archiveTimes.lowerBound(fromTime);
    const n = this.archiveTimes.length - first;
    const means = this.archiveMeans.get(key);
    return {
      times: this.archiveTimes.toArray(n),
      means: means ? means.toArray(n) : new Float64Array(n).fill(NaN),
      maxima: means ? this.archiveMaxima.get(key)!.toArray(n) : new Float64Array(n).fill(NaN),
    };
  }

  /** Gives storage to lazy keys whose first number arrives, with gaps for the samples before it. */
  private activateLazyKeys(values: Partial<Record<K, number>>): void {
    for (let i = this.pendingKeys.length - 1; i >= 0; i--) {
      const key = this.pendingKeys[i];
      const v = values[key];
      if (typeof v !== 'number' || Number.isNaN(v)) continue;
      this.pendingKeys.splice(i, 1);
      this.activeKeys.push(key);
      this.recentValues.set(key, gaps(this.options.recentCapacity, this.recentTimes.length));
      this.archiveMeans.set(key, gaps(this.options.archiveCapacity, this.archiveTimes.length));
      this.archiveMaxima.set(key, gaps(this.options.archiveCapacity, this.archiveTimes.length));
      this.bucketSums.set(key, 0);
      this.bucketSeen.set(key, 0);
      this.bucketMaxima.set(key, -Infinity);
    }
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

/** A ring holding `count` gaps. */
function gaps(capacity: number, count: number): RingBuffer {
  const ring = new RingBuffer(capacity);
  for (let i = 0; i < count; i++) ring.push(NaN);
  return ring;
}
