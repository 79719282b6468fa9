import type { ObservedVitals } from '../recording/recordingFormat';
import { DEFAULT_LEAK_TREND_OPTIONS, LeakTrendDetector, MIN_HANDLE_GROWTH, MIN_HANDLE_RATE, type LeakConfirmation, type LeakTrendOptions } from './LeakTrendDetector';
import type { LeakSignal, LeakVerdict } from './LeakVerdict';
import { theilSen } from './trendStatistics';

/** Options of a LeakDetectorSet. */
export interface LeakDetectorSetOptions {
  /** Overrides of the trend parameters (for every signal). */
  readonly trend?: Partial<LeakTrendOptions>;
  /** V8's heap size limit of the process in bytes, when known (gives secondsToLimit on heap verdicts). */
  readonly heapLimitBytes?: number;
}

/** Handle types tracked per process at most (the agent reports at most 64; leaks are in the common ones). */
const MAX_HANDLE_TYPES = 16;
/** Major GCs remembered for confirming heapUsed growth (a window holds far fewer). */
const MAX_GC_EVENTS = 32;
/** Share of the trend's growth that must still be there at a major GC to confirm it. */
const SURVIVING_SHARE = 0.25;

/**
 * The leak detectors of one process, one per signal: heap after major GC (the cleanest: one point
 * per major GC), heapUsed (its lower envelope, sooner than heapAfterGc where major GCs are rare),
 * external memory (`external` already includes arrayBuffers), RSS, and the live handle count of
 * each resource type. Signals appear as the samples carry them.
 *
 * Two rules keep Node's normal behaviour from looking like a leak:
 * - Between major GCs the old space fills with promoted garbage, so heapUsed's floor rises in
 *   every busy program. heapUsed growth is a leak only once a major GC in the newest half of the
 *   growth shows the live heap kept at least a quarter of the growth there (SURVIVING_SHARE);
 *   until then it is 'steady' with `suspected`.
 * - RSS is watched only while the process has no agent heap figures: with them, heap and external
 *   explain a Node process's memory, and its RSS also grows with heap pages V8 keeps committed.
 */
export class LeakDetectorSet {
  private readonly detectors = new Map<LeakSignal, LeakTrendDetector>();
  private heapLimitBytes: number | undefined;
  private readonly trend: LeakTrendOptions;
  private lastGcMajor: number | undefined;
  private lastHeapAfterGc: number | undefined;
  private firstTime: number | undefined;
  private hasHeapFigures = false;
  /** Recent major GCs: time and heapAfterGc, oldest first (bounded). */
  private readonly gcEvents: Array<{ readonly time: number; readonly heapAfterGc: number }> = [];

  constructor(options: LeakDetectorSetOptions = {}) {
    this.trend = { ...DEFAULT_LEAK_TREND_OPTIONS, ...options.trend };
    this.heapLimitBytes = options.heapLimitBytes;
  }

  /** Sets V8's heap size limit once it is known (from the agent's hello): heap verdicts from the next bucket on project secondsToLimit. */
  setHeapLimit(bytes: number | undefined): void {
    this.heapLimitBytes = bytes !== undefined && Number.isFinite(bytes) && bytes > 0 ? bytes : undefined;
    for (const detector of this.detectors.values()) if (detector.kind === 'heap') detector.setLimit(this.heapLimitBytes);
  }

  /** Feeds what was observed at time (ms since the epoch); returns the verdicts whose state changed. */
  observe(time: number, vitals: ObservedVitals): LeakVerdict[] {
    const changed: LeakVerdict[] = [];
    this.firstTime ??= time;
    const feed = (signal: LeakSignal, value: number | undefined) => {
      const detector = this.detector(signal);
      if (!detector) return;
      const before = detector.verdict.state;
      const verdict = value === undefined ? detector.tick(time) : detector.add(time, value);
      if (verdict && verdict.state !== before) changed.push(verdict);
    };
    if (vitals.heapUsedBytes !== undefined && !this.hasHeapFigures) {
      this.hasHeapFigures = true;
      this.detectors.delete('rss');
    }
    if (vitals.rssBytes !== undefined && !this.hasHeapFigures) feed('rss', vitals.rssBytes);
    const afterGc = this.newHeapAfterGc(vitals);
    if (afterGc !== undefined) {
      this.gcEvents.push({ time, heapAfterGc: afterGc });
      if (this.gcEvents.length > MAX_GC_EVENTS) this.gcEvents.shift();
    }
    if (vitals.heapUsedBytes !== undefined) feed('heapUsed', vitals.heapUsedBytes);
    if (vitals.externalBytes !== undefined) feed('external', vitals.externalBytes);
    if (vitals.heapAfterGcBytes !== undefined || this.detectors.has('heapAfterGc')) feed('heapAfterGc', afterGc);
    if (vitals.activeResources) {
      for (const type of Object.keys(vitals.activeResources)) this.detector(`handles:${type}`);
      for (const [signal] of this.detectors) {
        if (signal.startsWith('handles:')) feed(signal, vitals.activeResources[signal.slice('handles:'.length)] ?? 0);
      }
    }
    return changed;
  }

  /** The newest verdict of every signal. */
  verdicts(): LeakVerdict[] {
    return [...this.detectors.values()].map((d) => d.verdict);
  }

  /** The verdicts currently saying 'leak'. */
  leaks(): LeakVerdict[] {
    return this.verdicts().filter((v) => v.state === 'leak');
  }

  /**
   * Whether the live heap, measured at major GCs, kept at least SURVIVING_SHARE of the growth in
   * the growth segment's newest half: the part that makes it a leak rather than a warm-up or a
   * cache that filled (a major GC from the older half, or from start-up, only shows that growth
   * which may since have stopped was live). Needs a major GC in the newest half, judged like with
   * like by the Theil-Sen slope of heapAfterGc over that half's GCs when they span a growth segment
   * (GCs closer together differ by little more than noise), else, when the growth rose from a flat
   * stretch, against that stretch's floor at the knee, else against heapUsed's floor where the half
   * begins (a floor holds garbage too, so either only makes the test harder to pass), else by the
   * slope of heapAfterGc from the last major GC before the half on.
   * The flat stretch's floor is the tighter bound when there is one: in a process whose floor stayed
   * flat, promoted garbage piles up once the growth starts, so the floor at the half's start can sit
   * above the live heap by more than the growth since (late-leak: 0.7-1.3 MB over 20 s).
   */
  private readonly survivedMajorGc: LeakConfirmation = (verdict, detector, baseline) => {
    const onset = verdict.onsetTime;
    if (onset === undefined) return false;
    const segmentMs = this.trend.minBuckets * this.trend.bucketSeconds * 1000;
    const liveSlope = (gcs: ReadonlyArray<{ readonly time: number; readonly heapAfterGc: number }>) =>
      gcs.length >= 2 && gcs[gcs.length - 1]!.time - gcs[0]!.time >= segmentMs ? theilSen(gcs.map((gc) => gc.time / 1000), gcs.map((gc) => gc.heapAfterGc)).slope : undefined;
    const middle = (onset + verdict.time) / 2;
    const after = this.gcEvents.filter((gc) => gc.time >= onset + this.trend.bucketSeconds * 1000);
    const recent = after.filter((gc) => gc.time >= middle);
    const newest = recent[recent.length - 1];
    if (newest === undefined) return false;
    const required = SURVIVING_SHARE * verdict.rate;
    const recentSlope = liveSlope(recent);
    if (recentSlope !== undefined) return recentSlope >= required;
    // Whether the newest major GC is above a floor (an upper bound of what was live at `time`) by the required growth since.
    const keptSince = (floor: number | undefined, time: number) => floor !== undefined && newest.heapAfterGc - floor >= required * ((newest.time - time) / 1000);
    if (baseline !== undefined && keptSince(baseline.value, baseline.time)) return true;
    if (keptSince(detector.valueAt(middle), middle)) return true;
    const before = after.filter((gc) => gc.time < middle).pop();
    return before !== undefined && (liveSlope(after.filter((gc) => gc.time >= before.time)) ?? -Infinity) >= required;
  };

  /** heapAfterGc when a major GC happened since the previous sample, else undefined (the value is a repeat). */
  private newHeapAfterGc(vitals: ObservedVitals): number | undefined {
    const value = vitals.heapAfterGcBytes;
    if (value === undefined) return undefined;
    const isNew = vitals.gcMajor !== undefined ? vitals.gcMajor !== this.lastGcMajor : value !== this.lastHeapAfterGc;
    this.lastGcMajor = vitals.gcMajor;
    this.lastHeapAfterGc = value;
    return isNew ? value : undefined;
  }

  private detector(signal: LeakSignal): LeakTrendDetector | undefined {
    let detector = this.detectors.get(signal);
    if (detector) return detector;
    const isHandles = signal.startsWith('handles:');
    if (isHandles && [...this.detectors.keys()].filter((s) => s.startsWith('handles:')).length >= MAX_HANDLE_TYPES) return undefined;
    const kind = isHandles ? 'handles' : signal === 'rss' ? 'rss' : signal === 'external' ? 'external' : 'heap';
    const trend = isHandles ? { ...this.trend, minRate: MIN_HANDLE_RATE, minGrowth: MIN_HANDLE_GROWTH } : this.trend;
    const confirmation = signal === 'heapUsed' ? this.survivedMajorGc : undefined;
    detector = new LeakTrendDetector(kind, signal, trend, kind === 'heap' ? this.heapLimitBytes : undefined, this.firstTime, confirmation);
    this.detectors.set(signal, detector);
    return detector;
  }
}
