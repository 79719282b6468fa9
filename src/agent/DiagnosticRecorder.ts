import type { Session } from 'node:inspector';
import type * as Fs from 'node:fs';
import type * as Inspector from 'node:inspector';
import type * as Os from 'node:os';
import type * as V8 from 'node:v8';
import { lazyBuiltin } from './lazyBuiltin';
import type { CostEstimate, FileResult } from './agentProtocol';

/** Freeze per MB of heap for a heap snapshot, worst case (small objects: ~3.3 s for 46 MB measured). */
const SNAPSHOT_FREEZE_MS_PER_MB = 75;
/** Transient RSS a snapshot needs, worst case, as a multiple of heapUsed (small objects: ~12x). */
const SNAPSHOT_PEAK_RSS_FACTOR = 12;
/** Refuse a snapshot whose likely (not worst-case) extra memory exceeds free memory. */
const SNAPSHOT_LIKELY_RSS_FACTOR = 4;

/** A request the recorder refused before starting, with the reason for the user. */
export class RecorderRefusal extends Error {}

/**
 * Heap snapshots, CPU profiles and sampling heap profiles through the in-process inspector
 * (never a debugger port): each one estimated first, bounded in time, and written to the file the
 * extension chose. One recording at a time.
 */
export class DiagnosticRecorder {
  private busy = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  /**
   * One inspector session for the recorder's lifetime: disconnecting a session (or
   * HeapProfiler.disable) makes V8 clear its heap object ids, and Diagnose Leaks matches objects
   * across snapshots by those ids.
   */
  private session: Session | undefined;

  /** What a heap snapshot of this process will cost; throws RecorderRefusal when memory is too short. */
  estimateHeapSnapshot(): CostEstimate {
    this.refuseWhenBusy();
    const heapUsed = process.memoryUsage().heapUsed;
    const freeBytes = lazyBuiltin<typeof Os>('node:os').freemem();
    if (heapUsed * SNAPSHOT_LIKELY_RSS_FACTOR > freeBytes) {
      throw new RecorderRefusal(
        `a heap snapshot of ${mb(heapUsed)} MB of heap needs about ${mb(heapUsed * SNAPSHOT_LIKELY_RSS_FACTOR)} MB or more of free memory; ${mb(freeBytes)} MB is free`,
      );
    }
    const freezeMs = Math.round((heapUsed / 1048576) * SNAPSHOT_FREEZE_MS_PER_MB) + 50;
    return {
      durationMs: freezeMs + 100,
      freezeMs,
      extraMemoryBytes: heapUsed * SNAPSHOT_PEAK_RSS_FACTOR,
      note: `The program freezes for up to ${(freezeMs / 1000).toFixed(1)} s while a full GC runs and ${mb(heapUsed)} MB of heap is written; memory can peak at up to ${mb(heapUsed * SNAPSHOT_PEAK_RSS_FACTOR)} MB more.`,
    };
  }

  /** What a CPU profile costs. */
  estimateCpuProfile(seconds: number): CostEstimate {
    this.refuseWhenBusy();
    return {
      durationMs: Math.round(seconds * 1000) + 200,
      freezeMs: 50,
      extraMemoryBytes: 16 * 1048576,
      note: `Samples the program's stack every millisecond for ${seconds} s (a few % of CPU while it runs).`,
    };
  }

  /** What a sampling heap profile costs. */
  estimateHeapProfile(seconds: number, intervalBytes: number): CostEstimate {
    this.refuseWhenBusy();
    return {
      durationMs: Math.round(seconds * 1000) + 200,
      freezeMs: 50,
      extraMemoryBytes: 16 * 1048576,
      note: `Samples one allocation every ${Math.round(intervalBytes / 1024)} KiB for ${seconds} s (about 1-2% of throughput).`,
    };
  }

  /** Full GC through the inspector, then v8.writeHeapSnapshot to path. */
  async writeHeapSnapshot(path: string): Promise<FileResult> {
    return this.exclusive(async () => {
      const started = Date.now();
      try {
        await this.withSession((session) => post(session, 'HeapProfiler.collectGarbage'));
      } catch {
        // No inspector (a build without it): V8 collects garbage before a snapshot anyway.
      }
      const v8 = lazyBuiltin<typeof V8>('node:v8');
      const written = v8.writeHeapSnapshot(path);
      return fileResult(written, started);
    });
  }

  /** Records a CPU profile for `seconds` and writes it as a .cpuprofile. */
  async recordCpuProfile(path: string, seconds: number): Promise<FileResult> {
    return this.exclusive(() =>
      this.withSession(async (session) => {
        const started = Date.now();
        await post(session, 'Profiler.enable');
        await post(session, 'Profiler.start');
        await this.sleep(seconds * 1000);
        const { profile } = (await post(session, 'Profiler.stop')) as { profile: unknown };
        await post(session, 'Profiler.disable');
        writeJson(path, profile);
        return fileResult(path, started);
      }),
    );
  }

  /** Records a sampling heap profile for `seconds` and writes it as a .heapprofile. */
  async recordHeapProfile(path: string, seconds: number, intervalBytes: number): Promise<FileResult> {
    return this.exclusive(() =>
      this.withSession(async (session) => {
        const started = Date.now();
        await post(session, 'HeapProfiler.enable');
        await post(session, 'HeapProfiler.startSampling', { samplingInterval: intervalBytes });
        await this.sleep(seconds * 1000);
        const { profile } = (await post(session, 'HeapProfiler.stopSampling')) as { profile: unknown };
        // No HeapProfiler.disable: it clears the heap object ids that snapshot diffs rely on.
        writeJson(path, profile);
        return fileResult(path, started);
      }),
    );
  }

  /** Cancels pending waits and closes inspector sessions (a recording in progress is abandoned). */
  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.session?.disconnect();
    this.session = undefined;
    this.busy = false;
  }

  private refuseWhenBusy(): void {
    if (this.busy) throw new RecorderRefusal('another recording is in progress in this process');
  }

  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    this.refuseWhenBusy();
    this.busy = true;
    try {
      return await work();
    } finally {
      this.busy = false;
    }
  }

  private async withSession<T>(work: (session: Session) => Promise<T>): Promise<T> {
    if (!this.session) {
      const inspector: typeof Inspector = lazyBuiltin('node:inspector');
      const session = new inspector.Session();
      session.connect();
      this.session = session;
    }
    return work(this.session);
  }

  /** An unref'd wait: a recording never keeps the program alive. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      this.timers.add(timer);
    });
  }
}

function post(session: Session, method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (error: Error | null, result?: unknown) => (error ? reject(error) : resolve(result)));
  });
}

/** Synchronous on purpose: a pending fs request would keep the program alive. */
function writeJson(path: string, value: unknown): void {
  lazyBuiltin<typeof Fs>('node:fs').writeFileSync(path, JSON.stringify(value), { mode: 0o600 });
}

function fileResult(path: string, started: number): FileResult {
  const bytes = lazyBuiltin<typeof Fs>('node:fs').statSync(path).size;
  return { path, bytes, durationMs: Date.now() - started };
}

function mb(bytes: number): number {
  return Math.round(bytes / 1048576);
}
