import type { FromMonitorWorker, ToMonitorWorker } from './monitorProtocol';
import { ProcessTickAssembler } from './processes/ProcessTickAssembler';
import type { ProcessSource } from './processes/ProcessSource';

/** Options of a SamplingLoop. */
export interface SamplingLoopOptions {
  readonly source: ProcessSource;
  /** Where results go: the worker's parentPort, or the Monitor directly when run in-process. */
  readonly post: (message: FromMonitorWorker) => void;
  readonly intervalMs: number;
  /** Wall clock; injectable for tests. */
  readonly now?: () => number;
  /** Monotonic clock for rates; injectable for tests. */
  readonly monotonicNow?: () => number;
}

/**
 * The tick loop: reads the watched forest at a fixed rate, turns reads into deltas and posts them.
 * It runs inside the monitor's worker thread so that sampling never blocks the extension host.
 */
export class SamplingLoop {
  private readonly assembler = new ProcessTickAssembler();
  private roots: number[] = [];
  private intervalMs: number;
  private paused = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private tickRequested = false;
  private disposed = false;
  private readonly now: () => number;
  private readonly monotonicNow: () => number;

  constructor(private readonly options: SamplingLoopOptions) {
    this.intervalMs = options.intervalMs;
    this.now = options.now ?? Date.now;
    this.monotonicNow = options.monotonicNow ?? (() => performance.now());
  }

  /** Starts ticking. */
  start(): void {
    this.schedule(0);
  }

  /** Applies one message from the Monitor. */
  handle(message: ToMonitorWorker): void {
    switch (message.type) {
      case 'configure':
        this.intervalMs = message.intervalMs;
        this.schedule(this.intervalMs);
        break;
      case 'roots':
        this.roots = [...new Set(message.pids)];
        this.requestTick();
        break;
      case 'pause':
        this.paused = true;
        this.clearTimer();
        break;
      case 'resume':
        if (this.paused) {
          this.paused = false;
          // Rates across a pause would average over the gap: start afresh.
          this.assembler.reset();
          this.requestTick();
        }
        break;
      case 'tickNow':
        this.requestTick();
        break;
      case 'listAll':
        this.options.source.listAll().then(
          (processes) => this.post({ type: 'listAllResult', requestId: message.requestId, processes }),
          (error: unknown) =>
            this.post({ type: 'listAllResult', requestId: message.requestId, processes: [], error: String(error) }),
        );
        break;
    }
  }

  /** Stops ticking and releases the source. */
  dispose(): void {
    this.disposed = true;
    this.clearTimer();
    this.options.source.dispose();
  }

  private post(message: FromMonitorWorker): void {
    if (!this.disposed) this.options.post(message);
  }

  private requestTick(): void {
    if (this.paused || this.disposed) return;
    if (this.inFlight) {
      this.tickRequested = true;
    } else {
      this.schedule(0);
    }
  }

  private schedule(delayMs: number): void {
    this.clearTimer();
    if (this.paused || this.disposed) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    this.inFlight = true;
    const started = this.monotonicNow();
    try {
      if (this.roots.length > 0 || this.assembler.size > 0) {
        const result = this.roots.length
          ? await this.options.source.read(this.roots)
          : { readings: [], warnings: [] };
        if (this.disposed || this.paused) return;
        const delta = this.assembler.update(this.now(), this.monotonicNow(), result.readings);
        this.post({ type: 'tick', delta, warnings: result.warnings, costMs: this.monotonicNow() - started });
      }
    } catch (error) {
      // A source must not throw, but if one does the loop keeps going and says so.
      this.post({ type: 'failure', message: error instanceof Error ? error.stack ?? error.message : String(error) });
    } finally {
      this.inFlight = false;
      if (this.tickRequested) {
        this.tickRequested = false;
        this.schedule(0);
      } else {
        // Keep the cadence: the next tick is one interval after this one started.
        this.schedule(Math.max(0, this.intervalMs - (this.monotonicNow() - started)));
      }
    }
  }
}
