import { Emitter, type Disposable, type Event } from '../events';
import type { ExitedProcess, SampleBatch, WatchedProcess } from '../Monitor';
import { processKeyString } from '../processes/ProcessTickAssembler';
import { vitalsOfProcess } from '../recording/recordingFormat';
import { LeakDetectorSet, type LeakDetectorSetOptions } from './LeakDetectorSet';
import type { LeakVerdict } from './LeakVerdict';

/** The part of a Monitor a LeakWatch reads. */
export interface LeakWatchableMonitor {
  readonly onDidSample: Event<SampleBatch>;
  readonly onDidExit: Event<readonly ExitedProcess[]>;
  readonly interval: number;
  get(pid: number): WatchedProcess | undefined;
}

/** A signal of a watched process changed state ('warming-up', 'steady', 'leak'). */
export interface LeakVerdictChange {
  /** The monitor's process key (pid@startTime). */
  readonly processKey: string;
  readonly pid: number;
  readonly verdict: LeakVerdict;
}

/**
 * Runs a LeakDetectorSet for every process the monitor watches, fed from the monitor's samples
 * (OS figures plus the agent's, exactly what a Recorder writes, so `process-vitals analyze` on a
 * recording reproduces the live verdicts). Detectors are dropped when their process exits.
 */
export class LeakWatch implements Disposable {
  private readonly sets = new Map<string, { readonly pid: number; readonly detectors: LeakDetectorSet; heapLimit?: number }>();
  private readonly subscriptions: Disposable[];
  private readonly changeEmitter: Emitter<LeakVerdictChange>;

  /** A signal's verdict changed state (fired after verdicts() reflects it). */
  readonly onDidChangeVerdict: Event<LeakVerdictChange>;

  constructor(private readonly monitor: LeakWatchableMonitor, private options: LeakDetectorSetOptions = {}, onListenerError?: (error: unknown) => void) {
    this.changeEmitter = new Emitter<LeakVerdictChange>(onListenerError);
    this.onDidChangeVerdict = this.changeEmitter.event;
    this.subscriptions = [monitor.onDidSample((batch) => this.onSample(batch)), monitor.onDidExit((exited) => this.onExit(exited))];
  }

  /** New detector options (a setting changed): processes seen from now on get them; running detectors keep their history and options. */
  configure(options: LeakDetectorSetOptions): void {
    this.options = options;
  }

  /** The newest verdict of each signal of a process (empty when it is not watched). */
  verdicts(processKey: string): LeakVerdict[] {
    return this.sets.get(processKey)?.detectors.verdicts() ?? [];
  }

  /** Every watched process with at least one signal in 'leak'. */
  leaking(): Array<{ readonly processKey: string; readonly pid: number; readonly leaks: LeakVerdict[] }> {
    const result = [];
    for (const [processKey, { pid, detectors }] of this.sets) {
      const leaks = detectors.leaks();
      if (leaks.length) result.push({ processKey, pid, leaks });
    }
    return result;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions.length = 0;
    this.sets.clear();
    this.changeEmitter.dispose();
  }

  private onSample(batch: SampleBatch): void {
    for (const sample of batch.samples) {
      const key = processKeyString(sample);
      const watched = this.monitor.get(sample.pid);
      if (!watched || watched.key !== key) continue;
      let entry = this.sets.get(key);
      if (!entry) {
        entry = { pid: sample.pid, detectors: new LeakDetectorSet(this.options) };
        this.sets.set(key, entry);
      }
      // The agent's hello says V8's heap limit (it may connect after the first samples): heap verdicts project the time to reach it.
      const heapLimit = watched.agent?.hello.heapSizeLimit;
      if (heapLimit !== undefined && entry.heapLimit !== heapLimit) {
        entry.heapLimit = heapLimit;
        entry.detectors.setHeapLimit(heapLimit);
      }
      for (const verdict of entry.detectors.observe(sample.time, vitalsOfProcess(sample, watched.agent, this.monitor.interval))) {
        this.changeEmitter.fire({ processKey: key, pid: sample.pid, verdict });
      }
    }
  }

  private onExit(exited: readonly ExitedProcess[]): void {
    for (const { info } of exited) this.sets.delete(processKeyString(info));
  }
}
