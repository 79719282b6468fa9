import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { Emitter, type Disposable } from './events';
import {
  MONITOR_PROTOCOL_VERSION,
  type FromMonitorWorker,
  type MonitorWorkerData,
  type ToMonitorWorker,
} from './monitorProtocol';
import type { ProcessInfo, ProcessSource, SourceWarning } from './processes/ProcessSource';
import { processKeyString, type ProcessSample, type ProcessTickDelta } from './processes/ProcessTickAssembler';
import { SamplingLoop } from './SamplingLoop';
import { SampleHistory } from './series/SampleHistory';

/** The series the monitor keeps for every process. */
export type ProcessSeriesKey = 'cpuPercent' | 'rssBytes';
const SERIES_KEYS: readonly ProcessSeriesKey[] = ['cpuPercent', 'rssBytes'];

/** How long archived history is kept at which resolution. */
const ARCHIVE_STEP_MS = 30_000;
const ARCHIVE_BUCKETS = 2_880; // 24 hours
/** Exited processes remembered for views that show recent exits. */
const RECENTLY_EXITED_LIMIT = 100;
/** Worker restarts back off up to this delay, and give up after this many failures in a row. */
const MAX_RESTART_DELAY_MS = 30_000;
const MAX_CONSECUTIVE_RESTARTS = 5;

/** Options of a Monitor. */
export interface MonitorOptions {
  /** Sampling interval in milliseconds. */
  readonly intervalMs: number;
  /** Minutes of full-resolution history per process. */
  readonly historyMinutes: number;
  /** Path of the worker bundle; defaults to monitorWorker.js beside the running bundle. */
  readonly workerScript?: string;
  /** Run the sampling loop on this thread with this source instead of a worker (tests, the CLI). */
  readonly inProcessSource?: ProcessSource;
  /** Interval of the Linux full /proc scan that catches orphans. */
  readonly fullScanIntervalMs?: number;
}

/** A process the monitor is watching, with its history. */
export interface WatchedProcess {
  /** pid@startTime: unique even when a PID is reused. */
  readonly key: string;
  readonly info: ProcessInfo;
  readonly latest: ProcessSample | undefined;
  readonly history: SampleHistory<ProcessSeriesKey>;
  /** When the monitor first saw it, ms since epoch. */
  readonly firstSeen: number;
}

/** A process that was watched and has gone. */
export interface ExitedProcess {
  readonly info: ProcessInfo;
  /** The first tick it was missing from, ms since epoch. */
  readonly exitedAt: number;
}

/** One tick's samples. */
export interface SampleBatch {
  readonly time: number;
  readonly samples: readonly ProcessSample[];
  /** What the read cost inside the sampling loop, in ms of wall time. */
  readonly costMs: number;
}

/** A problem the monitor reports instead of throwing. */
export interface MonitorWarning {
  readonly code: SourceWarning['code'] | 'worker-failed' | 'worker-gave-up' | 'listener-failed';
  readonly pid?: number;
  readonly message: string;
}

interface MutableWatchedProcess {
  key: string;
  info: ProcessInfo;
  latest: ProcessSample | undefined;
  history: SampleHistory<ProcessSeriesKey>;
  firstSeen: number;
}

/**
 * The engine's front door: owns the sampling loop (in a worker thread), the set of root PIDs being
 * watched, and the model of every watched process with its bounded history; emits typed events.
 */
export class Monitor implements Disposable {
  private readonly processes = new Map<string, MutableWatchedProcess>();
  private readonly recentlyExited: ExitedProcess[] = [];
  private readonly rootsByOwner = new Map<string, Set<number>>();
  private worker: Worker | undefined;
  private inProcessLoop: SamplingLoop | undefined;
  private intervalMs: number;
  private historyMinutes: number;
  private isPaused = false;
  private disposed = false;
  private consecutiveFailures = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private nextRequestId = 1;
  private readonly pendingListAll = new Map<number, { resolve: (p: ProcessInfo[]) => void; reject: (e: Error) => void }>();

  private readonly appearEmitter = new Emitter<readonly ProcessInfo[]>((e) => this.reportListenerError(e));
  private readonly changeEmitter = new Emitter<readonly ProcessInfo[]>((e) => this.reportListenerError(e));
  private readonly exitEmitter = new Emitter<readonly ExitedProcess[]>((e) => this.reportListenerError(e));
  private readonly sampleEmitter = new Emitter<SampleBatch>((e) => this.reportListenerError(e));
  private readonly warningEmitter = new Emitter<MonitorWarning>();

  /** Processes seen for the first time. */
  readonly onDidAppear = this.appearEmitter.event;
  /** Known processes whose parent, name or command changed. */
  readonly onDidChange = this.changeEmitter.event;
  /** Watched processes that exited (or whose PID was reused). */
  readonly onDidExit = this.exitEmitter.event;
  /** Every tick's samples, after the model was updated. */
  readonly onDidSample = this.sampleEmitter.event;
  /** Problems worth logging once. */
  readonly onWarning = this.warningEmitter.event;

  constructor(private readonly options: MonitorOptions) {
    this.intervalMs = options.intervalMs;
    this.historyMinutes = options.historyMinutes;
    this.start();
  }

  /** Whether sampling is paused. */
  get paused(): boolean {
    return this.isPaused;
  }

  /** The sampling interval in milliseconds. */
  get interval(): number {
    return this.intervalMs;
  }

  /** Replaces the root PIDs one owner (a terminal tracker, the user's watch list) wants watched. */
  setRoots(owner: string, pids: Iterable<number>): void {
    const next = new Set([...pids].filter((pid) => Number.isInteger(pid) && pid > 0));
    if (next.size === 0) this.rootsByOwner.delete(owner);
    else this.rootsByOwner.set(owner, next);
    this.send({ type: 'roots', pids: this.roots() });
  }

  /** Every root PID currently watched, by any owner. */
  roots(): number[] {
    const all = new Set<number>();
    for (const pids of this.rootsByOwner.values()) for (const pid of pids) all.add(pid);
    return [...all];
  }

  /** Every process currently watched. */
  watched(): WatchedProcess[] {
    return [...this.processes.values()];
  }

  /** The watched process with this PID (the live one, if the PID was reused). */
  get(pid: number): WatchedProcess | undefined {
    for (const p of this.processes.values()) if (p.info.pid === pid) return p;
    return undefined;
  }

  /** Recently exited processes, oldest first (bounded). */
  exited(): readonly ExitedProcess[] {
    return this.recentlyExited;
  }

  /** Samples again as soon as possible (a shell command just started, a root was added). */
  tickNow(): void {
    this.send({ type: 'tickNow' });
  }

  /** Stops sampling until resume(); the model is kept. */
  pause(): void {
    this.isPaused = true;
    this.send({ type: 'pause' });
  }

  /** Resumes sampling. */
  resume(): void {
    this.isPaused = false;
    this.send({ type: 'resume' });
  }

  /** Changes the sampling interval and the history length (history length applies to processes seen from now on). */
  configure(intervalMs: number, historyMinutes: number): void {
    this.intervalMs = intervalMs;
    this.historyMinutes = historyMinutes;
    this.send({ type: 'configure', intervalMs });
  }

  /** Every process on the machine, for pickers. Rejects only if the sampling thread cannot answer. */
  listAllProcesses(): Promise<ProcessInfo[]> {
    const requestId = this.nextRequestId++;
    return new Promise<ProcessInfo[]>((resolve, reject) => {
      this.pendingListAll.set(requestId, { resolve, reject });
      this.send({ type: 'listAll', requestId });
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.inProcessLoop?.dispose();
    this.inProcessLoop = undefined;
    void this.worker?.terminate();
    this.worker = undefined;
    for (const pending of this.pendingListAll.values()) pending.reject(new Error('monitor disposed'));
    this.pendingListAll.clear();
    for (const emitter of [this.appearEmitter, this.changeEmitter, this.exitEmitter, this.sampleEmitter, this.warningEmitter]) {
      emitter.dispose();
    }
  }

  private start(): void {
    if (this.options.inProcessSource) {
      this.inProcessLoop = new SamplingLoop({
        source: this.options.inProcessSource,
        intervalMs: this.intervalMs,
        // Deliver asynchronously, as a worker would, so callers see one ordering in both modes.
        post: (message) => queueMicrotask(() => this.receive(message)),
      });
      this.inProcessLoop.start();
      this.sendState();
      return;
    }
    const workerData: MonitorWorkerData = {
      version: MONITOR_PROTOCOL_VERSION,
      intervalMs: this.intervalMs,
      fullScanIntervalMs: this.options.fullScanIntervalMs,
    };
    const worker = new Worker(this.options.workerScript ?? join(__dirname, 'monitorWorker.js'), { workerData });
    // The worker must never keep a CLI or test process alive on its own.
    worker.unref();
    worker.on('message', (message: FromMonitorWorker) => this.receive(message));
    worker.on('error', (error) => this.onWorkerFailure(worker, error.stack ?? error.message));
    worker.on('exit', (code) => this.onWorkerFailure(worker, `the sampling thread exited with code ${code}`));
    this.worker = worker;
    this.sendState();
  }

  /** Re-sends what a fresh sampling loop needs to know. */
  private sendState(): void {
    const roots = this.roots();
    if (roots.length) this.send({ type: 'roots', pids: roots });
    if (this.isPaused) this.send({ type: 'pause' });
  }

  private onWorkerFailure(worker: Worker, message: string): void {
    if (this.disposed || this.worker !== worker) return;
    this.worker = undefined;
    for (const pending of this.pendingListAll.values()) pending.reject(new Error(message));
    this.pendingListAll.clear();
    this.consecutiveFailures++;
    if (this.consecutiveFailures > MAX_CONSECUTIVE_RESTARTS) {
      this.warningEmitter.fire({ code: 'worker-gave-up', message: `Sampling stopped after ${MAX_CONSECUTIVE_RESTARTS} failed restarts: ${message}` });
      return;
    }
    const delay = Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** (this.consecutiveFailures - 1));
    this.warningEmitter.fire({ code: 'worker-failed', message: `${message}; restarting sampling in ${delay / 1000} s` });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.disposed) this.start();
    }, delay);
    this.restartTimer.unref();
  }

  private send(message: ToMonitorWorker): void {
    if (this.disposed) return;
    if (this.inProcessLoop) this.inProcessLoop.handle(message);
    else this.worker?.postMessage(message);
  }

  private receive(message: FromMonitorWorker): void {
    if (this.disposed) return;
    switch (message.type) {
      case 'ready':
        break;
      case 'tick':
        this.consecutiveFailures = 0;
        this.applyTick(message.delta, message.costMs);
        for (const warning of message.warnings) this.warningEmitter.fire(warning);
        break;
      case 'listAllResult': {
        const pending = this.pendingListAll.get(message.requestId);
        this.pendingListAll.delete(message.requestId);
        if (message.error) pending?.reject(new Error(message.error));
        else pending?.resolve(message.processes);
        break;
      }
      case 'failure':
        this.warningEmitter.fire({ code: 'worker-failed', message: message.message });
        break;
    }
  }

  private applyTick(delta: ProcessTickDelta, costMs: number): void {
    const recentCapacity = Math.max(2, Math.ceil((this.historyMinutes * 60_000) / this.intervalMs));
    for (const info of delta.appeared) {
      const key = processKeyString(info);
      this.processes.set(key, {
        key,
        info,
        latest: undefined,
        firstSeen: delta.time,
        history: new SampleHistory(SERIES_KEYS, {
          recentCapacity,
          archiveStepMs: ARCHIVE_STEP_MS,
          archiveCapacity: ARCHIVE_BUCKETS,
        }),
      });
    }
    for (const info of delta.changed) {
      const watched = this.processes.get(processKeyString(info));
      if (watched) watched.info = info;
    }
    const exited: ExitedProcess[] = [];
    for (const key of delta.exited) {
      const mapKey = processKeyString(key);
      const watched = this.processes.get(mapKey);
      if (!watched) continue;
      this.processes.delete(mapKey);
      exited.push({ info: watched.info, exitedAt: delta.time });
    }
    for (const sample of delta.samples) {
      const watched = this.processes.get(processKeyString(sample));
      if (!watched) continue;
      watched.latest = sample;
      watched.history.append(sample.time, { cpuPercent: sample.cpuPercent, rssBytes: sample.rssBytes });
    }
    if (exited.length) {
      this.recentlyExited.push(...exited);
      this.recentlyExited.splice(0, Math.max(0, this.recentlyExited.length - RECENTLY_EXITED_LIMIT));
    }
    if (delta.appeared.length) this.appearEmitter.fire(delta.appeared);
    if (delta.changed.length) this.changeEmitter.fire(delta.changed);
    if (exited.length) this.exitEmitter.fire(exited);
    this.sampleEmitter.fire({ time: delta.time, samples: delta.samples, costMs });
  }

  private reportListenerError(error: unknown): void {
    this.warningEmitter.fire({
      code: 'listener-failed',
      message: `a monitor listener threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}`,
    });
  }
}

