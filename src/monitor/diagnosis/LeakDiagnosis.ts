import { join } from 'node:path';
import type { AgentMemory, AgentReport, CostEstimate, FileResult, HandleReport } from '../../agent/agentProtocol';
import type { AgentConnectionInfo, AgentReportEvent } from '../agents/AgentServer';
import type { Event } from '../events';
import type { LeakVerdict } from '../leaks/LeakVerdict';
import type { ProcessSeriesKey } from '../Monitor';
import type { SampleHistory } from '../series/SampleHistory';
import { DiagnosisAnalyzer } from './DiagnosisAnalyzer';
import { estimateDiagnosisCost, readAvailableMemory } from './diagnosisCost';
import {
  DIAGNOSIS_REPORT_VERSION,
  type AllocationEvidence,
  type DiagnosisCostEstimate,
  type DiagnosisFile,
  type DiagnosisReport,
  type HandleEvidence,
  type HeapDiffEvidence,
  type MemoryGrowth,
  type MemoryMapBreakdown,
  type OsMemoryEvidence,
  type TrendEvidence,
} from './DiagnosisReport';
import { DiagnosisStorage, remove } from './DiagnosisStorage';
import { decideVerdict } from './diagnosisVerdict';
import { summarizeHandles } from './handleEvidence';
import type { SuspectThresholds } from './heapGraphAnalysis';
import { readMemoryMaps, readRssBytes } from './memoryMaps';
import { writeDiagnosisReport } from './renderDiagnosisMarkdown';
import { trendOf } from './trendEvidence';

/** What a diagnosis needs of the agent server (AgentServer implements it). */
export interface DiagnosisAgentAccess {
  get(pid: number, threadId?: number): AgentConnectionInfo | undefined;
  readonly onDidReport: Event<AgentReportEvent>;
  takeHeapSnapshot(pid: number, path: string, options?: { onAccepted?: (estimate: CostEstimate) => void }): Promise<FileResult>;
  takeHeapProfile(pid: number, seconds: number, path: string, options?: { intervalBytes?: number; onAccepted?: (estimate: CostEstimate) => void }): Promise<FileResult>;
  startHandleTracking(pid: number): Promise<void>;
  stopHandleTracking(pid: number): Promise<void>;
  reportHandles(pid: number): Promise<HandleReport>;
}

/** The process to diagnose, with what the monitor already knows about it. */
export interface DiagnosisTarget {
  readonly pid: number;
  /** Name or command line, for the report's title. */
  readonly name?: string;
  /** The monitor's history of this process (Monitor.get(pid).history), for the trend evidence. */
  readonly history?: SampleHistory<ProcessSeriesKey>;
  /** The online detector's current verdicts about it. */
  readonly verdicts?: readonly LeakVerdict[];
}

/** The steps of a diagnosis, in order. */
export type DiagnosisStep = 'estimate' | 'trend' | 'baseline' | 'profile' | 'target' | 'observe' | 'final' | 'handles' | 'analyze' | 'report';

/** Progress of a running diagnosis. */
export interface DiagnosisProgress {
  readonly step: DiagnosisStep;
  /** One short sentence for a progress notification. */
  readonly message: string;
  /** 0..1 of the expected total time. */
  readonly fraction: number;
}

/** Options of one run. */
export interface DiagnosisRunOptions {
  /** Seconds between baseline and target, and between target and final (default 30). */
  readonly observeSeconds?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DiagnosisProgress) => void;
  /** Turn handle tracking on for the window when it is not on already (default true); it is turned off again afterwards. */
  readonly trackHandles?: boolean;
  /** Sampling heap profiler interval (default 128 KiB, the agent's minimum). */
  readonly heapProfileIntervalBytes?: number;
  readonly thresholds?: SuspectThresholds;
}

/** Options of a LeakDiagnosis. */
export interface LeakDiagnosisOptions {
  /** Where diagnosis folders go (extension storage, or the CLI's --out). */
  readonly storageDir: string;
  /** The agent server; without it (or without an agent in the target) the diagnosis is the OS view only. */
  readonly agents?: DiagnosisAgentAccess;
  /** Diagnoses kept in storage, this one included (default 3; snapshots are large). */
  readonly keepDiagnoses?: number;
  /** The analysis worker bundle (dist/diagnosisWorker.js beside the running bundle by default). */
  readonly workerScript?: string;
  readonly procRoot?: string;
  readonly platform?: NodeJS.Platform;
  /** Memory available on this machine (MemAvailable by default). */
  readonly availableMemory?: () => number;
}

/** The diagnosis was refused before it started (memory too short); `estimate` says why. */
export class DiagnosisRefusedError extends Error {
  constructor(readonly estimate: DiagnosisCostEstimate) {
    super(estimate.refusal ?? 'the diagnosis was refused');
    this.name = 'DiagnosisRefusedError';
  }
}

/** The diagnosis was cancelled; the target runs on and the diagnosis's files are removed. */
export class DiagnosisCancelledError extends Error {
  constructor() {
    super('the diagnosis was cancelled');
    this.name = 'DiagnosisCancelledError';
  }
}

const DEFAULT_OBSERVE_SECONDS = 30;
const MIN_HEAP_PROFILE_INTERVAL = 128 * 1024;
/** How long to wait for the agent's next report after a snapshot before using the latest one. */
const REPORT_WAIT_MS = 2500;
/** OS-only diagnoses sample RSS this often. */
const RSS_SAMPLE_MS = 500;

/**
 * Diagnose Leaks, the engine: from a suspicion to evidence. With a Node agent, three heap snapshots
 * (GC before each) N seconds apart, the objects allocated between the first two that survive into
 * the third (memlab's technique, diffed in a worker), the sampling heap profile over the first
 * window (allocation sites, source-mapped), the live handles and timers with creation stacks, and
 * external/ArrayBuffer growth; without one, the RSS trend and the Linux memory-map breakdown.
 * Cancellable at every step: the target keeps running, tracking the diagnosis turned on is turned
 * off, and the diagnosis's files are removed.
 */
export class LeakDiagnosis {
  private readonly storage: DiagnosisStorage;

  constructor(private readonly options: LeakDiagnosisOptions) {
    this.storage = new DiagnosisStorage(options.storageDir);
  }

  /** Whether the target has a connected agent (the diagnosis then takes snapshots). */
  hasAgent(pid: number): boolean {
    return this.options.agents?.get(pid) !== undefined;
  }

  /** What a diagnosis of the target costs, from its agent's latest heapUsed; null without an agent (the OS view costs nothing). */
  estimate(pid: number, observeSeconds = DEFAULT_OBSERVE_SECONDS): DiagnosisCostEstimate | null {
    const latest = this.options.agents?.get(pid)?.latest;
    if (!this.hasAgent(pid)) return null;
    return estimateDiagnosisCost({
      heapUsedBytes: latest?.memory.heapUsed ?? 0,
      observeSeconds,
      availableBytes: (this.options.availableMemory ?? readAvailableMemory)(),
    });
  }

  /** The stored diagnoses of this storage folder, newest first, with their sizes. */
  stored() {
    return this.storage.list();
  }

  /** Runs a diagnosis. Rejects with DiagnosisRefusedError, DiagnosisCancelledError, or an error of a failed step. */
  async run(target: DiagnosisTarget, runOptions: DiagnosisRunOptions = {}): Promise<DiagnosisReport> {
    const observeSeconds = Math.max(1, runOptions.observeSeconds ?? DEFAULT_OBSERVE_SECONDS);
    const signal = runOptions.signal;
    if (signal?.aborted) throw new DiagnosisCancelledError();
    const run = new DiagnosisRun(this.options, this.storage, target, observeSeconds, runOptions);
    try {
      return await run.execute();
    } catch (error) {
      if (signal?.aborted) {
        run.cleanUpAfterCancel();
        throw new DiagnosisCancelledError();
      }
      run.cleanUpAfterFailure();
      throw error;
    } finally {
      run.dispose();
    }
  }
}

/** One diagnosis in progress: its folder, the requests in flight, what to undo. */
class DiagnosisRun {
  private folder: string | undefined;
  private readonly analyzer: DiagnosisAnalyzer;
  private readonly inFlight = new Set<Promise<unknown>>();
  private trackingStarted = false;
  private readonly started = Date.now();
  private readonly expectedMs: number;
  private readonly problems: string[] = [];

  constructor(
    private readonly options: LeakDiagnosisOptions,
    private readonly storage: DiagnosisStorage,
    private readonly target: DiagnosisTarget,
    private readonly observeSeconds: number,
    private readonly runOptions: DiagnosisRunOptions,
  ) {
    this.analyzer = new DiagnosisAnalyzer({ workerScript: options.workerScript });
    this.expectedMs = observeSeconds * 2000 + 5000;
  }

  async execute(): Promise<DiagnosisReport> {
    const agents = this.options.agents;
    const agent = agents?.get(this.target.pid);
    this.progress('estimate', 'Estimating the cost');
    let cost: DiagnosisCostEstimate | null = null;
    if (agents && agent) {
      cost = estimateDiagnosisCost({
        heapUsedBytes: agent.latest?.memory.heapUsed ?? 0,
        observeSeconds: this.observeSeconds,
        availableBytes: (this.options.availableMemory ?? readAvailableMemory)(),
      });
      if (!cost.safe) throw new DiagnosisRefusedError(cost);
    }
    this.progress('trend', 'Reading the trend');
    const trends = this.historyTrends();
    this.storage.prune(Math.max(0, (this.options.keepDiagnoses ?? 3) - 1));
    this.folder = this.storage.createFolder(this.target.pid);
    const report = agents && agent ? await this.withAgent(agents, agent, trends, cost) : await this.withoutAgent(trends);
    this.progress('report', 'Writing the report');
    writeDiagnosisReport(report, this.folder);
    return report;
  }

  // -------------------------------------------------------------------------------------------
  // With an agent

  private async withAgent(agents: DiagnosisAgentAccess, agent: AgentConnectionInfo, trends: TrendEvidence[], cost: DiagnosisCostEstimate | null): Promise<DiagnosisReport> {
    const pid = this.target.pid;
    const folder = this.folder!;
    const n = this.observeSeconds;
    const files: DiagnosisFile[] = [];
    const trackingFromStart = agent.hello.trackingHandlesFromStart;
    const mapsBefore = this.memoryMaps();

    if (!trackingFromStart && this.runOptions.trackHandles !== false) {
      await this.step(agents.startHandleTracking(pid));
      this.trackingStarted = true;
    }

    this.progress('baseline', 'Baseline heap snapshot (the program is paused meanwhile)');
    const baselinePath = join(folder, 'baseline.heapsnapshot');
    const baseline = await this.step(agents.takeHeapSnapshot(pid, baselinePath, { onAccepted: (e) => this.progress('baseline', `Baseline heap snapshot: ${e.note}`) }));
    files.push({ kind: 'baselineSnapshot', path: baseline.path, bytes: baseline.bytes });
    // Indexed while the program goes on working: only the final diff is left at the end.
    const baselineIndexed = this.background(this.analyzer.index('baseline', baseline.path));
    const memoryAtBaseline = await this.step(this.nextReport(agents, pid));

    this.progress('profile', `Recording allocations for ${n} s`);
    const intervalBytes = Math.max(MIN_HEAP_PROFILE_INTERVAL, this.runOptions.heapProfileIntervalBytes ?? MIN_HEAP_PROFILE_INTERVAL);
    const profilePath = join(folder, 'allocations.heapprofile');
    let profile: FileResult | undefined;
    try {
      profile = await this.step(agents.takeHeapProfile(pid, n, profilePath, { intervalBytes }));
      files.push({ kind: 'heapProfile', path: profile.path, bytes: profile.bytes });
    } catch (error) {
      if (this.runOptions.signal?.aborted) throw error;
      this.problems.push(`The sampling heap profile failed: ${message(error)}`);
      await this.sleep(n * 1000);
    }

    this.progress('target', 'Target heap snapshot');
    const targetPath = join(folder, 'target.heapsnapshot');
    const targetFile = await this.step(agents.takeHeapSnapshot(pid, targetPath));
    files.push({ kind: 'targetSnapshot', path: targetFile.path, bytes: targetFile.bytes });
    const targetIndexed = this.background(this.analyzer.index('target', targetFile.path));
    const memoryAtTarget = await this.step(this.nextReport(agents, pid));

    this.progress('observe', `Watching for ${n} s more`);
    await this.sleep(n * 1000);

    this.progress('final', 'Final heap snapshot');
    const finalPath = join(folder, 'final.heapsnapshot');
    const finalFile = await this.step(agents.takeHeapSnapshot(pid, finalPath));
    files.push({ kind: 'finalSnapshot', path: finalFile.path, bytes: finalFile.bytes });
    const memoryAtFinal = await this.step(this.nextReport(agents, pid));

    this.progress('handles', 'Listing handles and timers');
    let handles: HandleEvidence | null = null;
    try {
      const handleReport = await this.step(agents.reportHandles(pid));
      handles = summarizeHandles(handleReport, memoryAtBaseline?.activeResources ?? {}, memoryAtFinal?.activeResources ?? {}, trackingFromStart, this.trackingStarted);
      handles = await this.sourceMapHandles(handles);
    } catch (error) {
      if (this.runOptions.signal?.aborted) throw error;
      this.problems.push(`The handle report failed: ${message(error)}`);
    }
    await this.stopTracking(agents);
    const mapsAfter = this.memoryMaps();

    this.progress('analyze', 'Comparing the snapshots');
    let heapDiff: HeapDiffEvidence | null = null;
    try {
      await this.step(baselineIndexed);
      await this.step(targetIndexed);
      const diff = await this.step(this.analyzer.diff(finalFile.path, { thresholds: this.runOptions.thresholds }));
      heapDiff = {
        baselineNodes: diff.baselineNodes,
        targetNodes: diff.targetNodes,
        finalNodes: diff.finalNodes,
        survivorCount: diff.survivorCount,
        survivorSelfBytes: diff.survivorSelfBytes,
        groups: diff.groups,
        analysisMs: Math.round(diff.ms),
      };
    } catch (error) {
      if (this.runOptions.signal?.aborted) throw error;
      this.problems.push(`The heap snapshot diff failed: ${message(error)}`);
    }
    let allocations: AllocationEvidence | null = null;
    if (profile) {
      try {
        allocations = await this.step(this.analyzer.allocations(profile.path, intervalBytes));
      } catch (error) {
        if (this.runOptions.signal?.aborted) throw error;
        this.problems.push(`Reading the heap profile failed: ${message(error)}`);
      }
    }

    const points: Array<[AgentReport | undefined, number]> = [
      [memoryAtBaseline, 0],
      [memoryAtTarget, n],
      [memoryAtFinal, 2 * n],
    ];
    const memoryGrowth = growthOf(points);
    const osMemory: OsMemoryEvidence = { rss: null, ...maps(mapsBefore, mapsAfter) };
    const advice: string[] = [];
    if (!trackingFromStart) {
      advice.push('Handles and timers created before the diagnosis have no creation stack. To see them all, restart the program with handle tracking on from the start.');
    }
    return this.assemble({ mode: 'agent', trends, memoryGrowth, heapDiff, allocations, handles, osMemory, cost, files, advice });
  }

  private async sourceMapHandles(evidence: HandleEvidence): Promise<HandleEvidence> {
    const locations = evidence.groups.flatMap((g) => g.stack.map((f) => ({ file: f.file, line: f.line, column: f.column })));
    const resolved = await this.step(this.analyzer.resolve(locations));
    let i = 0;
    const groups = evidence.groups.map((g) => {
      const stack = g.stack.map((f) => ({ ...resolved[i++].location, functionName: f.functionName }));
      return { ...g, stack, createdAt: stack[0] ? { file: stack[0].file, line: stack[0].line, column: stack[0].column } : null };
    });
    return { ...evidence, groups };
  }

  /** The agent's next report of pid after now (a snapshot just ran a GC), or its latest after a short wait. */
  private nextReport(agents: DiagnosisAgentAccess, pid: number): Promise<AgentReport | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        subscription.dispose();
        resolve(agents.get(pid)?.latest);
      }, REPORT_WAIT_MS);
      const subscription = agents.onDidReport((event) => {
        if (event.agent.hello.pid !== pid || event.agent.hello.threadId !== 0) return;
        clearTimeout(timer);
        subscription.dispose();
        resolve(event.report);
      });
    });
  }

  private async stopTracking(agents: DiagnosisAgentAccess): Promise<void> {
    if (!this.trackingStarted) return;
    this.trackingStarted = false;
    try {
      await agents.stopHandleTracking(this.target.pid);
    } catch (error) {
      this.problems.push(`Could not turn handle tracking off again: ${message(error)}`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Without an agent

  private async withoutAgent(historyTrends: TrendEvidence[]): Promise<DiagnosisReport> {
    const pid = this.target.pid;
    const mapsBefore = this.memoryMaps();
    const times: number[] = [];
    const values: number[] = [];
    const total = this.observeSeconds * 2000;
    this.progress('observe', `Watching memory for ${this.observeSeconds * 2} s`);
    const until = Date.now() + total;
    for (;;) {
      const rss = readRssBytes(pid, this.options.procRoot);
      if (rss === undefined && this.platform() === 'linux') throw new Error(`process ${pid} is gone`);
      if (rss !== undefined) {
        times.push(Date.now());
        values.push(rss);
      }
      if (Date.now() >= until) break;
      await this.sleep(Math.min(RSS_SAMPLE_MS, until - Date.now()));
      this.progress('observe', `Watching memory for ${this.observeSeconds * 2} s`);
    }
    const mapsAfter = this.memoryMaps();
    const windowTrend = trendOf('rssBytes', times, values);
    const advice: string[] = [];
    const name = this.target.name ?? '';
    if (/(^|[\\/\s])(node|nodejs|bun|deno|electron)(\.exe)?(\s|$)/i.test(name) || /\.(c|m)?js\b/.test(name)) {
      advice.push('This looks like a Node program without the Process Vitals agent: run it from a terminal of this workspace (or with `process-vitals diagnose -- <command>`) to get heap snapshots, allocation sites and handle stacks.');
    } else {
      advice.push('For Node programs, the Process Vitals agent adds heap snapshots, allocation sites and handle stacks: run them from a terminal of this workspace or with `process-vitals diagnose -- <command>`.');
    }
    const osMemory: OsMemoryEvidence = { rss: windowTrend, ...maps(mapsBefore, mapsAfter) };
    return this.assemble({ mode: 'os', trends: historyTrends, memoryGrowth: [], heapDiff: null, allocations: null, handles: null, osMemory, cost: null, files: [], advice });
  }

  // -------------------------------------------------------------------------------------------

  private assemble(parts: Pick<DiagnosisReport, 'mode' | 'trends' | 'memoryGrowth' | 'heapDiff' | 'allocations' | 'handles' | 'osMemory' | 'cost' | 'files' | 'advice'>): DiagnosisReport {
    const verdict = decideVerdict(parts);
    return {
      version: DIAGNOSIS_REPORT_VERSION,
      pid: this.target.pid,
      processName: this.target.name ?? `process ${this.target.pid}`,
      startedAt: this.started,
      finishedAt: Date.now(),
      observeSeconds: this.observeSeconds,
      verdict,
      detectorVerdicts: this.target.verdicts ?? [],
      folder: this.folder!,
      problems: this.problems,
      ...parts,
    };
  }

  private historyTrends(): TrendEvidence[] {
    const history = this.target.history;
    if (!history) return [];
    const trends: TrendEvidence[] = [];
    for (const series of ['heapAfterGcBytes', 'heapUsedBytes', 'externalBytes', 'rssBytes', 'activeHandles'] as const) {
      if (!history.keys.includes(series)) continue;
      const slice = history.recent(series);
      const trend = trendOf(series, slice.times, slice.values);
      if (trend) trends.push(trend);
    }
    return trends;
  }

  private memoryMaps(): MemoryMapBreakdown | { unavailable: string } {
    return readMemoryMaps(this.target.pid, this.options.procRoot, this.platform());
  }

  private platform(): NodeJS.Platform {
    return this.options.platform ?? process.platform;
  }

  private progress(step: DiagnosisStep, text: string): void {
    this.runOptions.signal?.throwIfAborted();
    const fraction = Math.min(0.99, (Date.now() - this.started) / this.expectedMs);
    try {
      this.runOptions.onProgress?.({ step, message: text, fraction });
    } catch {
      // A progress listener's failure must not stop the diagnosis.
    }
  }

  /** Waits for work, or rejects as soon as the run is cancelled (the work's promise is still watched for cleanup). */
  private step<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const settled = () => this.inFlight.delete(work);
    work.then(settled, settled);
    const signal = this.runOptions.signal;
    if (!signal) return work;
    return new Promise<T>((resolve, reject) => {
      if (signal.aborted) return reject(new DiagnosisCancelledError());
      const onAbort = () => reject(new DiagnosisCancelledError());
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /** Work whose failure is reported when it is awaited, never as an unhandled rejection. */
  private background<T>(work: Promise<T>): Promise<T> {
    work.catch(() => undefined);
    return work;
  }

  private sleep(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const wait = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    return this.step(wait).finally(() => clearTimeout(timer));
  }

  /** After a cancel: tracking off, worker gone, files removed now and again once requests still running in the agent have ended. */
  cleanUpAfterCancel(): void {
    const agents = this.options.agents;
    if (agents && this.trackingStarted) {
      this.trackingStarted = false;
      agents.stopHandleTracking(this.target.pid).catch(() => undefined);
    }
    this.analyzer.dispose();
    const folder = this.folder;
    if (!folder) return;
    remove(folder);
    // A snapshot or profile the agent is still writing lands in the folder after it was removed; remove it again then.
    if (this.inFlight.size) void Promise.allSettled([...this.inFlight]).then(() => remove(folder));
  }

  /** After a failure: tracking off and the partial folder removed (nothing in it is worth keeping without a report). */
  cleanUpAfterFailure(): void {
    this.cleanUpAfterCancel();
  }

  dispose(): void {
    this.analyzer.dispose();
  }
}

function growthOf(points: ReadonlyArray<[AgentReport | undefined, number]>): MemoryGrowth[] {
  if (points.some(([r]) => !r)) return [];
  const [b, t, f] = points.map(([r]) => r!.memory);
  const seconds = points[2][1] - points[0][1];
  const kinds: Array<[MemoryGrowth['what'], (m: AgentMemory) => number]> = [
    ['heapUsed', (m) => m.heapUsed],
    ['external', (m) => m.external],
    ['arrayBuffers', (m) => m.arrayBuffers],
    ['rss', (m) => m.rss],
  ];
  return kinds.map(([what, of]) => {
    const [vb, vt, vf] = [of(b), of(t), of(f)];
    // Growth at each step beyond noise: 512 KiB and 2% of the start.
    const noise = Math.max(512 * 1024, vb * 0.02);
    return { what, baselineBytes: vb, targetBytes: vt, finalBytes: vf, ratePerSecond: seconds > 0 ? (vf - vb) / seconds : 0, growing: vt - vb > noise && vf - vt > noise };
  });
}

function maps(before: MemoryMapBreakdown | { unavailable: string }, after: MemoryMapBreakdown | { unavailable: string }): Omit<OsMemoryEvidence, 'rss'> {
  if ('unavailable' in before) return { before: null, after: null, unavailableReason: before.unavailable };
  if ('unavailable' in after) return { before, after: null, unavailableReason: after.unavailable };
  return { before, after };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
