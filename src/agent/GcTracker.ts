import type * as PerfHooks from 'node:perf_hooks';
import type * as V8 from 'node:v8';
import type * as WorkerThreads from 'node:worker_threads';
import { lazyBuiltin } from './lazyBuiltin';
import { GC_KINDS, type GcKind, type GcKindTotals, type GcSampling } from './agentProtocol';
import { GcObservationSchedule } from './GcObservationSchedule';

/** perf_hooks' NODE_PERFORMANCE_GC_* flags, by our kinds. */
const GC_KIND_BY_FLAG: Readonly<Record<number, GcKind>> = { 1: 'minor', 2: 'minor', 4: 'major', 8: 'incremental', 16: 'weakCallbacks' };
/** V8's young-generation spaces: a full GC empties them (survivors are promoted to old space). */
const YOUNG_SPACES = new Set(['new_space', 'new_large_object_space']);
/** The kinds estimated from the thread's work while GCs are not observed (major GCs are detected instead). */
const ESTIMATED_KINDS: readonly GcKind[] = GC_KINDS.filter((kind) => kind !== 'major');
/**
 * Scavenges (counted, or estimated) a sentinel is held strongly before only the registry holds it.
 * V8 promotes an object that survives two scavenges, and only a mark-compact collects old objects;
 * V8 after Node 20 may clear a young weak target in a scavenge (handle_weak_ref_weakly_in_minor_gc),
 * which would pass for a major GC. Twice the two, as the count may be an estimate.
 */
const SENTINEL_PROMOTION_SCAVENGES = 4;
/**
 * A stretch shorter than this is not used to estimate from or to judge the rate by: the first
 * report follows the tracker's start at once, and fine detail may turn on just before a report.
 * The shortest report interval a server may ask for (agentProtocol's welcome validation).
 */
const MIN_JUDGED_MS = 100;
/**
 * Estimates are based on the newest observed stretches that last this long together: in the default
 * 1 s report interval, the newest observed interval. A quarter second alone was noisy (a steadily
 * allocating test program's scavenges per quarter second ranged from 66 to 99); and a longer basis
 * reaches back into a busy phase's first seconds, when V8 still grows the young generation and
 * scavenges several times as often (GcObservationSchedule starts sampling 3 s into a busy phase).
 */
const BASIS_MS = 1000;

interface Figures {
  count: number;
  pauseMs: number;
}

/** What was observed in one stretch: its length, the thread's work in it, and the figures by kind. */
interface ObservedStretch {
  readonly ms: number;
  readonly workMs: number;
  readonly figures: ReadonlyMap<GcKind, Figures>;
}

/**
 * Counts GCs and their pause time by kind, and knows the used heap right after the newest major GC.
 *
 * Source: a GC PerformanceObserver. Its callback runs after the GC (in a later task), when the
 * program may have allocated again, so the heap after a major GC is read as the old generation's
 * use: a full GC leaves the young generation empty, and what a program allocates next lands there
 * (an earlier reading of heapUsed was inflated by exactly that: 32 MB against 3 MB in a test). It is
 * off only by promotions of a scavenge, or large objects allocated, between the GC and the callback.
 * v8.GCProfiler gives the exact figure but was measured (bench/agentOverhead, valgrind) at ~1.1M
 * instructions per GC against ~0.2M for the observer, 1.4-2.2% of a hello-world request's CPU
 * against 0.3-0.5%: too much of the agent's 2% throughput budget for a better last digit.
 *
 * Sampling: even the observer's cost (~0.2M instructions and a couple of thread wake-ups per GC)
 * took 1.1-1.5 points of a saturated hello-world server's throughput, so above a GC rate the observer
 * runs one report interval in a few (GcObservationSchedule). For the unobserved intervals:
 *  - minor, incremental and weak-callback GCs are estimated: counts and pause per millisecond of
 *    the thread's work (workClock) in the newest observed stretches, times the work done since (GCs
 *    follow allocation, which follows the code that runs; a server that goes idle is estimated idle).
 *    They run a little low: the basis's work includes the observer's own, which the estimated
 *    stretches do not have (~1.4% for the hello-world server; a test program scavenging 300 times a
 *    second came out within 8% of its own count, either way);
 *  - major GCs are detected, not estimated: a sentinel object held only by a FinalizationRegistry
 *    (once old enough to be in old space) is collected by a mark-compact and nothing else, and its
 *    cleanup runs in a later task, like the observer's callback: there the heap after the GC is
 *    read as above, so heapAfterGc stays measured. What this misses: several mark-compacts before
 *    the cleanup runs count as one (V8 near its heap limit: 250 cleanups for 280 GCs in a test), and
 *    after a detection more are missed until the next report, while the new sentinel is held strongly
 *    (SENTINEL_PROMOTION_SCAVENGES); the pause of a detected major GC is the mean of the observed ones
 *    (none is added before a major GC was observed). Reading the old generation's use at each
 *    report and taking a drop for a major GC would miss every one during net growth: a leak.
 * The report says how much was observed (sampling()); fine detail observes every GC.
 */
export class GcTracker {
  private readonly perfHooks: typeof PerfHooks = lazyBuiltin('node:perf_hooks');
  /** Observed figures, plus estimates while not observing: fractional, rounded when read. */
  private readonly totals = new Map<GcKind, Figures>(GC_KINDS.map((k) => [k, { count: 0, pauseMs: 0 }]));
  /** The newest observed stretches, BASIS_MS of them together (and the oldest that reaches it): the basis of estimates. */
  private readonly basis: ObservedStretch[] = [];
  private readonly observedMajor: Figures = { count: 0, pauseMs: 0 };
  private heapAfterMajor: number | null = null;
  private readonly observer: PerfHooks.PerformanceObserver;
  private observing = false;
  private readonly schedule = new GcObservationSchedule();

  private readonly workClock: () => number;
  /** A stretch: time with one observing state. Its start, the work clock then, and the totals then. */
  private stretchStart: number;
  private stretchWork: number;
  private stretchTotals = new Map<GcKind, Figures>();
  /** The report interval under way: its start, the GC count then, and whether it is observed throughout. */
  private intervalStart: number;
  private intervalCount = 0;
  private intervalObserved = true;
  private lastIntervalObserved = true;
  private observedMs = 0;
  private unobservedMs = 0;

  private readonly registry: FinalizationRegistry<number>;
  private readonly unregisterToken = {};
  /** The newest sentinel while it is held strongly (until it has survived into old space). */
  private sentinelHeld: object | undefined;
  private scavengesSinceArmed = 0;
  private stopped = false;

  constructor() {
    const { performance } = this.perfHooks;
    this.observer = new this.perfHooks.PerformanceObserver((list) => this.onEntries(list));
    this.workClock = workClock();
    this.stretchStart = this.intervalStart = performance.now();
    this.stretchWork = this.workClock();
    this.snapshotStretchTotals();
    this.registry = new FinalizationRegistry(() => this.onSentinelCollected());
    this.armSentinel();
    this.setObserving(true);
  }

  /** Used heap right after the newest major GC, bytes; null before the first one. */
  get heapAfterGc(): number | null {
    return this.heapAfterMajor;
  }

  /** The cumulative figures so far, estimates included. */
  read(): Record<GcKind, GcKindTotals> {
    const out = {} as Record<GcKind, GcKindTotals>;
    for (const kind of GC_KINDS) {
      const t = this.totals.get(kind)!;
      out[kind] = { count: Math.round(t.count), pauseMs: Math.round(t.pauseMs * 1000) / 1000 };
    }
    return out;
  }

  /** How much of the figures was observed; undefined while every GC so far was. */
  sampling(): GcSampling | undefined {
    if (this.unobservedMs === 0) return undefined;
    const observedFraction = this.observedMs / (this.observedMs + this.unobservedMs);
    return { observedFraction: Math.round(observedFraction * 1e4) / 1e4, intervalObserved: this.lastIntervalObserved };
  }

  /** Fine detail turned on observes from now on (the rest of this interval included), off from the next interval. */
  setFine(fine: boolean): void {
    if (fine && !this.observing && !this.stopped) {
      this.endStretch();
      this.setObserving(true);
    }
  }

  /** Ends a report interval: estimates what was not observed and decides whether to observe the next one. */
  endInterval(fine: boolean): void {
    if (this.stopped) return;
    const now = this.perfHooks.performance.now();
    const observedThroughout = this.intervalObserved && this.observing;
    this.endStretch();
    const count = this.totalCount();
    const intervalMs = Math.max(MIN_JUDGED_MS, now - this.intervalStart);
    const observeNext = this.schedule.next(((count - this.intervalCount) * 1000) / intervalMs, intervalMs, observedThroughout, fine);
    if (this.sentinelHeld && this.scavengesSinceArmed >= SENTINEL_PROMOTION_SCAVENGES) this.sentinelHeld = undefined;
    this.setObserving(observeNext);
    this.lastIntervalObserved = observedThroughout;
    this.intervalStart = now;
    this.intervalCount = count;
    this.intervalObserved = observeNext;
  }

  /** Stops observing and detecting. */
  stop(): void {
    this.stopped = true;
    this.setObserving(false);
    this.registry.unregister(this.unregisterToken);
    this.sentinelHeld = undefined;
  }

  private onEntries(list: PerfHooks.PerformanceObserverEntryList): void {
    // Entries delivered after observing stopped would land in an unobserved stretch, where minor GCs
    // are estimated and major ones detected: counted twice. (Node 20's disconnect() drops them anyway.)
    if (!this.observing) return;
    let major = false;
    for (const entry of list.getEntries()) {
      // entry.detail.kind, never entry.kind: the latter prints a deprecation warning (DEP0152).
      const detail = (entry as unknown as { detail?: { kind?: number } }).detail;
      const kind = GC_KIND_BY_FLAG[detail?.kind ?? 0];
      if (!kind) continue;
      const totals = this.totals.get(kind)!;
      totals.count++;
      totals.pauseMs += entry.duration;
      if (kind === 'major') {
        major = true;
        this.observedMajor.count++;
        this.observedMajor.pauseMs += entry.duration;
      } else if (kind === 'minor') {
        this.scavengesSinceArmed++;
      }
    }
    if (major) this.heapAfterMajor = oldGenerationUsed();
  }

  /** A mark-compact collected the sentinel. Runs in a cleanup task of V8's: it must never throw. */
  private onSentinelCollected(): void {
    try {
      if (this.stopped) return;
      this.armSentinel();
      // While observing, the observer counts this GC and reads the heap after it.
      if (this.observing) return;
      const major = this.totals.get('major')!;
      major.count++;
      if (this.observedMajor.count > 0) major.pauseMs += this.observedMajor.pauseMs / this.observedMajor.count;
      this.heapAfterMajor = oldGenerationUsed();
    } catch {
      // The program must run exactly as it would without us.
    }
  }

  private armSentinel(): void {
    const sentinel = {};
    this.registry.register(sentinel, 0, this.unregisterToken);
    this.sentinelHeld = sentinel;
    this.scavengesSinceArmed = 0;
  }

  /** Ends the current stretch: an observed one becomes the basis of estimates, an unobserved one gets them. */
  private endStretch(): void {
    const { performance } = this.perfHooks;
    const now = performance.now();
    const stretchMs = now - this.stretchStart;
    const work = this.workClock();
    const workMs = Math.max(0, work - this.stretchWork);
    if (this.observing) {
      this.observedMs += stretchMs;
      if (stretchMs >= MIN_JUDGED_MS) {
        const figures = new Map<GcKind, Figures>();
        for (const kind of GC_KINDS) {
          const t = this.totals.get(kind)!;
          const before = this.stretchTotals.get(kind)!;
          figures.set(kind, { count: t.count - before.count, pauseMs: t.pauseMs - before.pauseMs });
        }
        this.basis.push({ ms: stretchMs, workMs, figures });
        let ms = 0;
        for (const stretch of this.basis) ms += stretch.ms;
        while (ms - this.basis[0]!.ms >= BASIS_MS) ms -= this.basis.shift()!.ms;
      }
    } else {
      this.unobservedMs += stretchMs;
      let basisWorkMs = 0;
      for (const stretch of this.basis) basisWorkMs += stretch.workMs;
      // A GC is work (its pause at least), so GCs without work are impossible; 1 ms bounds the division.
      const share = workMs / Math.max(1, basisWorkMs);
      for (const kind of ESTIMATED_KINDS) {
        const t = this.totals.get(kind)!;
        let count = 0;
        let pauseMs = 0;
        for (const stretch of this.basis) {
          count += stretch.figures.get(kind)!.count;
          pauseMs += stretch.figures.get(kind)!.pauseMs;
        }
        t.count += count * share;
        t.pauseMs += pauseMs * share;
        if (kind === 'minor') this.scavengesSinceArmed += count * share;
      }
    }
    this.stretchStart = now;
    this.stretchWork = work;
    this.snapshotStretchTotals();
  }

  private snapshotStretchTotals(): void {
    this.stretchTotals = new Map(GC_KINDS.map((kind) => [kind, { ...this.totals.get(kind)! }]));
  }

  private totalCount(): number {
    let count = 0;
    for (const t of this.totals.values()) count += t.count;
    return count;
  }

  /** Node builds a performance entry per GC only while a GC observer is connected. */
  private setObserving(observing: boolean): void {
    if (observing === this.observing) return;
    this.observing = observing;
    if (observing) this.observer.observe({ entryTypes: ['gc'] });
    else this.observer.disconnect();
  }
}

/**
 * A clock of the work this thread has done, ms: what its GCs follow (code that runs allocates).
 * CPU time, not event-loop busy time: a loop waiting for a core on a loaded machine is busy but
 * allocates nothing, and estimates based on busy time were 25% off in a test when the machine's load
 * changed. process.threadCpuUsage() where Node has it (after Node 20); else the process's CPU time on
 * the main thread (other threads' share counted too: worker threads, V8's GC helpers), and in a
 * worker, whose CPU time Node 20 cannot tell apart, its event loop's busy time.
 */
function workClock(): () => number {
  const thread = (process as unknown as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage;
  const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
  if (typeof thread === 'function') return () => cpuMs(thread.call(process));
  const { isMainThread } = lazyBuiltin<typeof WorkerThreads>('node:worker_threads');
  if (isMainThread) return () => cpuMs(process.cpuUsage());
  const { performance } = lazyBuiltin<typeof PerfHooks>('node:perf_hooks');
  return () => performance.eventLoopUtilization().active;
}

/** Used bytes of every heap space but the young generation's. */
function oldGenerationUsed(): number {
  const v8: typeof V8 = lazyBuiltin('node:v8');
  let used = 0;
  for (const space of v8.getHeapSpaceStatistics()) if (!YOUNG_SPACES.has(space.space_name)) used += space.space_used_size;
  return used;
}
