import type { GCProfiler, GCProfilerResult } from 'node:v8';
import type * as PerfHooks from 'node:perf_hooks';
import type * as V8 from 'node:v8';
import { lazyBuiltin } from './lazyBuiltin';
import { GC_KINDS, type GcKind, type GcKindTotals } from './agentProtocol';

/** v8.GCProfiler's gcType names, by our kinds. */
const GC_KIND_BY_PROFILER_TYPE: Readonly<Record<string, GcKind>> = {
  Scavenge: 'minor',
  MinorMarkCompact: 'minor',
  MinorMarkSweep: 'minor',
  MarkSweepCompact: 'major',
  IncrementalMarking: 'incremental',
  ProcessWeakCallbacks: 'weakCallbacks',
};
/** perf_hooks' NODE_PERFORMANCE_GC_* flags, by our kinds (the fallback on Node < 18.15). */
const GC_KIND_BY_FLAG: Readonly<Record<number, GcKind>> = { 1: 'minor', 2: 'minor', 4: 'major', 8: 'incremental', 16: 'weakCallbacks' };

/**
 * Counts GCs and their pause time by kind, and knows the used heap right after the newest major GC.
 *
 * With v8.GCProfiler (Node >= 18.15 / 19.6) V8's own after-GC heap statistics give the heap after a
 * mark-sweep-compact exactly; a PerformanceObserver callback runs later (in a setImmediate), after
 * the program went on allocating, so its reading was inflated on bursty heaps. The profiler records
 * in C++ without a JS callback per GC and is read (stopped and restarted) once per report.
 * Measured (bench/agentOverhead, valgrind instruction counts): the profiler is NOT the cheaper one.
 * It costs ~0.35M instructions per GC at the margin and ~1.1M with its start-up, against ~0.2M for
 * the observer (start-up included), because it serializes heap and heap-space statistics before
 * and after every GC and they are parsed at each read; on a node:http hello world (~320 requests per
 * GC) that is roughly 0.4-1.4% of a request's CPU against ~0.25%. It is kept for the exact figure
 * the leak detector's cleanest signal is built on; a cheaper near-exact alternative (the observer,
 * reading old-generation use, since a full GC empties the young generation) is the fallback if the
 * throughput budget needs it.
 * Older Node versions keep the observer and its approximate figure.
 */
export class GcTracker {
  private readonly totals = new Map<GcKind, { count: number; pauseMs: number }>(GC_KINDS.map((k) => [k, { count: 0, pauseMs: 0 }]));
  private heapAfterMajor: number | null = null;
  private profiler: GCProfiler | undefined;
  private observer: PerfHooks.PerformanceObserver | undefined;
  private stopped = false;

  constructor(useProfiler = true) {
    const v8: typeof V8 = lazyBuiltin('node:v8');
    if (useProfiler && typeof v8.GCProfiler === 'function') {
      this.profiler = new v8.GCProfiler();
      this.profiler.start();
    } else {
      this.observe();
    }
  }

  /** Which source this tracker reads ('profiler': exact heap after GC). */
  get source(): 'profiler' | 'observer' {
    return this.profiler ? 'profiler' : 'observer';
  }

  /** Used heap right after the newest major GC, bytes; null before the first one. */
  get heapAfterGc(): number | null {
    return this.heapAfterMajor;
  }

  /** Takes in the GCs since the previous read and returns the cumulative figures. */
  read(): Record<GcKind, GcKindTotals> {
    this.drainProfiler();
    const out = {} as Record<GcKind, GcKindTotals>;
    for (const kind of GC_KINDS) {
      const t = this.totals.get(kind)!;
      out[kind] = { count: t.count, pauseMs: Math.round(t.pauseMs * 1000) / 1000 };
    }
    return out;
  }

  /** Stops the profiler or the observer. */
  stop(): void {
    this.stopped = true;
    this.observer?.disconnect();
    this.observer = undefined;
    try {
      this.profiler?.stop();
    } catch {
      // Already stopped.
    }
    this.profiler = undefined;
  }

  /** Starts the next profiler before stopping the current one, so no GC falls between the two. */
  private drainProfiler(): void {
    const current = this.profiler;
    if (!current || this.stopped) return;
    const v8: typeof V8 = lazyBuiltin('node:v8');
    const next = new v8.GCProfiler();
    next.start();
    this.profiler = next;
    let result: GCProfilerResult | undefined;
    try {
      result = current.stop();
    } catch {
      return;
    }
    for (const record of result?.statistics ?? []) {
      const kind = GC_KIND_BY_PROFILER_TYPE[record.gcType];
      if (!kind) continue;
      const totals = this.totals.get(kind)!;
      totals.count++;
      totals.pauseMs += record.cost / 1000; // microseconds
      if (kind === 'major') {
        const used = record.afterGC?.heapStatistics?.usedHeapSize;
        if (typeof used === 'number' && Number.isFinite(used)) this.heapAfterMajor = used;
      }
    }
  }

  private observe(): void {
    const perfHooks: typeof PerfHooks = lazyBuiltin('node:perf_hooks');
    const observer = new perfHooks.PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        // entry.detail.kind, never entry.kind: the latter prints a deprecation warning (DEP0152).
        const detail = (entry as unknown as { detail?: { kind?: number } }).detail;
        const kind = GC_KIND_BY_FLAG[detail?.kind ?? 0];
        if (!kind) continue;
        const totals = this.totals.get(kind)!;
        totals.count++;
        totals.pauseMs += entry.duration;
        // Read after the fact (the callback runs after the GC): approximate on bursty heaps.
        if (kind === 'major') this.heapAfterMajor = process.memoryUsage().heapUsed;
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    this.observer = observer;
  }
}
