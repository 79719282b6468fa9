import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Disposable } from '../events';
import type { AllocationEvidence, SourceLocation } from './DiagnosisReport';
import {
  DIAGNOSIS_WORKER_PROTOCOL_VERSION,
  type DiagnosisWorkerData,
  type DiffResult,
  type FromDiagnosisWorker,
  type IndexedSnapshot,
  type ToDiagnosisWorker,
} from './diagnosisWorkerProtocol';
import { DEFAULT_SUSPECT_THRESHOLDS, type SuspectThresholds } from './heapGraphAnalysis';

/** Why an analysis request failed. */
export class DiagnosisAnalysisError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiagnosisAnalysisError';
  }
}

/** Options of a DiagnosisAnalyzer. */
export interface DiagnosisAnalyzerOptions {
  /** Path of the worker bundle; diagnosisWorker.js beside the running bundle by default. */
  readonly workerScript?: string;
}

/** Options of the diff. */
export interface DiffOptions {
  readonly thresholds?: SuspectThresholds;
  readonly maxGroups?: number;
  readonly pathsPerGroup?: number;
}

type Request = ToDiagnosisWorker extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * The caller's end of the analysis worker: heap snapshots are indexed as soon as they are written
 * (the baseline while the target process goes on working), the final one is diffed against them,
 * and profiles and source maps are read there too. The caller's thread only posts messages, so
 * its event loop never waits on a parse. One worker per diagnosis: dispose() terminates it (which
 * also abandons a parse in progress, and returns its WebAssembly memory to the system).
 */
export class DiagnosisAnalyzer implements Disposable {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (m: FromDiagnosisWorker) => void; reject: (e: Error) => void }>();
  private disposed = false;

  constructor(private readonly options: DiagnosisAnalyzerOptions = {}) {}

  /** Parses a baseline or target snapshot and keeps its node ids and class counts. */
  async index(role: 'baseline' | 'target', path: string): Promise<IndexedSnapshot> {
    const answer = await this.request({ type: 'index', role, path });
    if (answer.type !== 'indexed') throw unexpected(answer);
    return answer.result;
  }

  /** Diffs the final snapshot against the indexed baseline and target. */
  async diff(path: string, options: DiffOptions = {}): Promise<DiffResult> {
    const answer = await this.request({
      type: 'diff',
      path,
      thresholds: options.thresholds ?? DEFAULT_SUSPECT_THRESHOLDS,
      maxGroups: options.maxGroups ?? 30,
      pathsPerGroup: options.pathsPerGroup ?? 3,
    });
    if (answer.type !== 'diffed') throw unexpected(answer);
    return answer.result;
  }

  /** Summarises a .heapprofile into allocation sites (source-mapped). */
  async allocations(path: string, intervalBytes: number): Promise<AllocationEvidence> {
    const answer = await this.request({ type: 'allocations', path, intervalBytes });
    if (answer.type !== 'allocations') throw unexpected(answer);
    return answer.result;
  }

  /** Maps generated locations back through source maps (unchanged where there is none). */
  async resolve(locations: readonly SourceLocation[]): Promise<ReadonlyArray<{ location: SourceLocation; generated?: SourceLocation }>> {
    if (locations.length === 0) return [];
    const answer = await this.request({ type: 'resolve', locations });
    if (answer.type !== 'resolved') throw unexpected(answer);
    return answer.result;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new DiagnosisAnalysisError('the analysis was stopped'));
    void worker?.terminate();
  }

  private request(body: Request): Promise<FromDiagnosisWorker> {
    if (this.disposed) return Promise.reject(new DiagnosisAnalysisError('the analysis was stopped'));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<FromDiagnosisWorker>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Busy only while something is asked of it: an idle worker never keeps a CLI or a test alive.
      worker.ref();
      worker.postMessage({ ...body, id } as ToDiagnosisWorker);
    }).then((answer) => {
      if (answer.type === 'failed') throw new DiagnosisAnalysisError(answer.message);
      return answer;
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const workerData: DiagnosisWorkerData = { version: DIAGNOSIS_WORKER_PROTOCOL_VERSION };
    const worker = new Worker(this.options.workerScript ?? join(__dirname, 'diagnosisWorker.js'), { workerData });
    worker.unref();
    worker.on('message', (message: FromDiagnosisWorker) => {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if (this.pending.size === 0) worker.unref();
      pending.resolve(message);
    });
    worker.on('error', (error) => this.onWorkerGone(worker, `the analysis worker failed: ${error.message}`));
    worker.on('exit', (code) => this.onWorkerGone(worker, `the analysis worker exited with code ${code}`));
    this.worker = worker;
    return worker;
  }

  private onWorkerGone(worker: Worker, message: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failAll(new DiagnosisAnalysisError(message));
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

function unexpected(answer: FromDiagnosisWorker): Error {
  return new DiagnosisAnalysisError(`the analysis worker answered ${answer.type} unexpectedly`);
}
