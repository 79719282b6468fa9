import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { GC_KINDS, type AgentReport } from '../agent/agentProtocol';
import type { AgentConnectionInfo, AgentReportEvent } from './agents/AgentServer';
import { Emitter, type Disposable, type Event } from './events';
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

/** Series only processes with a Node agent have (sampled at the OS tick from the agent's latest report). */
export type AgentSeriesKey =
  | 'heapUsedBytes'
  | 'heapTotalBytes'
  | 'externalBytes'
  | 'arrayBuffersBytes'
  | 'heapAfterGcBytes'
  | 'eventLoopDelayP99Ms'
  | 'eventLoopUtilization'
  | 'activeHandles'
  | 'gcPauseMs';
/** The series the monitor keeps: CPU and RSS for every process, the agent series for agent-enabled ones. */
export type ProcessSeriesKey = 'cpuPercent' | 'rssBytes' | AgentSeriesKey;
const SERIES_KEYS: readonly ProcessSeriesKey[] = ['cpuPercent', 'rssBytes'];
/** Allocated per process only once its agent reports (most processes never have one). */
const AGENT_SERIES_KEYS: readonly AgentSeriesKey[] = [
  'heapUsedBytes', 'heapTotalBytes', 'externalBytes', 'arrayBuffersBytes', 'heapAfterGcBytes', 'eventLoopDelayP99Ms', 'eventLoopUtilization', 'activeHandles', 'gcPauseMs',
];
/** An agent's start time and the OS's differ by clock resolution (Linux: boot time in whole seconds). */
const AGENT_START_TIME_TOLERANCE_MS = 2500;
/** Agent reports older than this many sampling intervals are not folded into a sample. */
const AGENT_REPORT_FRESH_INTERVALS = 3;
/** Reports of processes the OS tick has not shown yet, kept until it does (bounded). */
const UNMATCHED_AGENT_LIMIT = 256;

/** Where the monitor gets Node agent reports (an AgentServer). */
export interface AgentReportSource {
  readonly onDidReport: Event<AgentReportEvent>;
  readonly onDidDisconnect: Event<AgentConnectionInfo>;
}

/** What the Node agent of a watched process reported. */
export interface AgentVitals {
  /** The main thread's hello (hello.heapSizeLimit: V8's heap size limit, for projecting time to out-of-memory). */
  readonly hello: AgentConnectionInfo['hello'];
  /** The main thread's newest report. */
  readonly latest: AgentReport;
  /** Newest report of each worker thread that has an agent, by threadId. */
  readonly workers: ReadonlyMap<number, AgentReport>;
  /** Whether the agent is still connected. */
  readonly connected: boolean;
}

/** An agent report merged into a watched process. */
export interface AgentReportOnProcess {
  readonly process: WatchedProcess;
  readonly threadId: number;
  readonly report: AgentReport;
}

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
  /** Node agent reports to merge with the OS samples of the same process (not owned: the caller disposes it). */
  readonly agents?: AgentReportSource;
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
  /** Its Node agent's vitals, when it has one. */
  readonly agent?: AgentVitals;
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
  agent: MutableAgentVitals | undefined;
}

interface MutableAgentVitals {
  hello: AgentConnectionInfo['hello'];
  latest: AgentReport;
  workers: Map<number, AgentReport>;
  connected: boolean;
  /** Milliseconds of GC pause per second between the two newest reports; NaN until there are two. */
  gcPauseMsPerSecond: number;
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
  /** Main-thread agent reports whose process the OS tick has not shown yet, by pid. */
  private readonly unmatchedAgents = new Map<number, AgentReportEvent>();
  private readonly agentSubscriptions: Disposable[] = [];

  private readonly appearEmitter = new Emitter<readonly ProcessInfo[]>((e) => this.reportListenerError(e));
  private readonly changeEmitter = new Emitter<readonly ProcessInfo[]>((e) => this.reportListenerError(e));
  private readonly exitEmitter = new Emitter<readonly ExitedProcess[]>((e) => this.reportListenerError(e));
  private readonly sampleEmitter = new Emitter<SampleBatch>((e) => this.reportListenerError(e));
  private readonly warningEmitter = new Emitter<MonitorWarning>();
  private readonly agentReportEmitter = new Emitter<AgentReportOnProcess>((e) => this.reportListenerError(e));

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
  /** A watched process's Node agent reported (after the process's `agent` was updated). */
  readonly onDidAgentReport = this.agentReportEmitter.event;

  constructor(private readonly options: MonitorOptions) {
    this.intervalMs = options.intervalMs;
    this.historyMinutes = options.historyMinutes;
    if (options.agents) this.attachAgents(options.agents);
    this.start();
  }

  /**
   * Merges reports from this agent source from now on (the extension host starts its AgentServer
   * after the monitor, because listening is asynchronous). The caller still owns the source.
   */
  attachAgents(agents: AgentReportSource): void {
    this.agentSubscriptions.push(
      agents.onDidReport((event) => this.applyAgentReport(event)),
      agents.onDidDisconnect((info) => this.applyAgentDisconnect(info)),
    );
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
    for (const subscription of this.agentSubscriptions) subscription.dispose();
    this.agentSubscriptions.length = 0;
    this.unmatchedAgents.clear();
    for (const emitter of [this.appearEmitter, this.changeEmitter, this.exitEmitter, this.sampleEmitter, this.warningEmitter, this.agentReportEmitter]) {
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
        history: new SampleHistory(
          SERIES_KEYS,
          { recentCapacity, archiveStepMs: ARCHIVE_STEP_MS, archiveCapacity: ARCHIVE_BUCKETS },
          AGENT_SERIES_KEYS,
        ),
        agent: undefined,
      });
      const early = this.unmatchedAgents.get(info.pid);
      if (early) {
        this.unmatchedAgents.delete(info.pid);
        this.applyAgentReport(early);
      }
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
      watched.history.append(sample.time, { cpuPercent: sample.cpuPercent, rssBytes: sample.rssBytes, ...this.agentSeries(watched, sample.time) });
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

  /** The agent's figures to fold into a sample taken at `time`, when its latest report is fresh. */
  private agentSeries(watched: MutableWatchedProcess, time: number): Partial<Record<AgentSeriesKey, number>> {
    const agent = watched.agent;
    if (!agent?.connected || time - agent.latest.time > AGENT_REPORT_FRESH_INTERVALS * Math.max(this.intervalMs, agent.latest.intervalMs)) return {};
    const r = agent.latest;
    let activeHandles = 0;
    for (const type in r.activeResources) activeHandles += r.activeResources[type];
    return {
      heapUsedBytes: r.memory.heapUsed,
      heapTotalBytes: r.memory.heapTotal,
      externalBytes: r.memory.external,
      arrayBuffersBytes: r.memory.arrayBuffers,
      heapAfterGcBytes: r.heapAfterGc ?? NaN,
      eventLoopDelayP99Ms: r.eventLoopDelay.p99,
      eventLoopUtilization: r.eventLoopUtilization,
      activeHandles,
      gcPauseMs: agent.gcPauseMsPerSecond,
    };
  }

  /** The watched process an agent belongs to: same pid, and a start time within clock resolution. */
  private processOfAgent(hello: AgentConnectionInfo['hello']): MutableWatchedProcess | undefined {
    for (const p of this.processes.values()) {
      if (p.info.pid === hello.pid && Math.abs(p.info.startTime - hello.startTime) <= AGENT_START_TIME_TOLERANCE_MS) return p;
    }
    return undefined;
  }

  private applyAgentReport(event: AgentReportEvent): void {
    if (this.disposed) return;
    const { hello } = event.agent;
    const watched = this.processOfAgent(hello);
    if (!watched) {
      // Usually the agent is faster than the next OS tick; unwatched processes are simply not kept.
      if (hello.isMainThread) {
        this.unmatchedAgents.delete(hello.pid);
        this.unmatchedAgents.set(hello.pid, event);
        if (this.unmatchedAgents.size > UNMATCHED_AGENT_LIMIT) this.unmatchedAgents.delete(this.unmatchedAgents.keys().next().value!);
      }
      return;
    }
    if (hello.isMainThread) {
      if (watched.agent) {
        watched.agent.gcPauseMsPerSecond = gcPauseRate(watched.agent.latest, event.report);
        watched.agent.hello = hello;
        watched.agent.latest = event.report;
        watched.agent.connected = true;
      } else {
        watched.agent = { hello, latest: event.report, workers: new Map(), connected: true, gcPauseMsPerSecond: NaN };
      }
    } else if (watched.agent) {
      watched.agent.workers.set(hello.threadId, event.report);
    } else {
      return; // A worker's report before its main thread's: the main thread's hello names the process.
    }
    this.agentReportEmitter.fire({ process: watched, threadId: hello.threadId, report: event.report });
  }

  private applyAgentDisconnect(info: AgentConnectionInfo): void {
    if (this.disposed) return;
    const { hello } = info;
    if (hello.isMainThread) this.unmatchedAgents.delete(hello.pid);
    const watched = this.processOfAgent(hello);
    if (!watched?.agent) return;
    if (hello.isMainThread) watched.agent.connected = false;
    else watched.agent.workers.delete(hello.threadId);
  }

  private reportListenerError(error: unknown): void {
    this.warningEmitter.fire({
      code: 'listener-failed',
      message: `a monitor listener threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}`,
    });
  }
}

/**
 * Milliseconds of GC pause per second of wall time between two reports of one agent (their GC
 * totals are cumulative, estimates included while GCs are sampled); NaN when the second does not
 * follow the first (an agent that reconnected with fresh totals).
 */
export function gcPauseRate(previous: AgentReport, next: AgentReport): number {
  const seconds = (next.time - previous.time) / 1000;
  const paused = totalGcPauseMs(next) - totalGcPauseMs(previous);
  return seconds > 0 && paused >= 0 ? paused / seconds : NaN;
}

function totalGcPauseMs(report: AgentReport): number {
  let total = 0;
  for (const kind of GC_KINDS) total += report.gc[kind].pauseMs;
  return total;
}
