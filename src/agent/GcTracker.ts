import type * as PerfHooks from 'node:perf_hooks';
import type * as V8 from 'node:v8';
import { lazyBuiltin } from './lazyBuiltin';
import { GC_KINDS, type GcKind, type GcKindTotals } from './agentProtocol';

/** perf_hooks' NODE_PERFORMANCE_GC_* flags, by our kinds. */
const GC_KIND_BY_FLAG: Readonly<Record<number, GcKind>> = { 1: 'minor', 2: 'minor', 4: 'major', 8: 'incremental', 16: 'weakCallbacks' };
/** V8's young-generation spaces: a full GC empties them (survivors are promoted to old space). */
const YOUNG_SPACES = new Set(['new_space', 'new_large_object_space']);

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
 */
export class GcTracker {
  private readonly totals = new Map<GcKind, { count: number; pauseMs: number }>(GC_KINDS.map((k) => [k, { count: 0, pauseMs: 0 }]));
  private heapAfterMajor: number | null = null;
  private observer: PerfHooks.PerformanceObserver | undefined;

  constructor() {
    const perfHooks: typeof PerfHooks = lazyBuiltin('node:perf_hooks');
    const observer = new perfHooks.PerformanceObserver((list) => {
      let major = false;
      for (const entry of list.getEntries()) {
        // entry.detail.kind, never entry.kind: the latter prints a deprecation warning (DEP0152).
        const detail = (entry as unknown as { detail?: { kind?: number } }).detail;
        const kind = GC_KIND_BY_FLAG[detail?.kind ?? 0];
        if (!kind) continue;
        const totals = this.totals.get(kind)!;
        totals.count++;
        totals.pauseMs += entry.duration;
        if (kind === 'major') major = true;
      }
      if (major) this.heapAfterMajor = oldGenerationUsed();
    });
    observer.observe({ entryTypes: ['gc'] });
    this.observer = observer;
  }

  /** Used heap right after the newest major GC, bytes; null before the first one. */
  get heapAfterGc(): number | null {
    return this.heapAfterMajor;
  }

  /** The cumulative figures so far. */
  read(): Record<GcKind, GcKindTotals> {
    const out = {} as Record<GcKind, GcKindTotals>;
    for (const kind of GC_KINDS) {
      const t = this.totals.get(kind)!;
      out[kind] = { count: t.count, pauseMs: Math.round(t.pauseMs * 1000) / 1000 };
    }
    return out;
  }

  /** Stops observing. */
  stop(): void {
    this.observer?.disconnect();
    this.observer = undefined;
  }
}

/** Used bytes of every heap space but the young generation's. */
function oldGenerationUsed(): number {
  const v8: typeof V8 = lazyBuiltin('node:v8');
  let used = 0;
  for (const space of v8.getHeapSpaceStatistics()) if (!YOUNG_SPACES.has(space.space_name)) used += space.space_used_size;
  return used;
}
