/**
 * Messages between DiagnosisAnalyzer (the caller's thread) and its worker (dist/diagnosisWorker.js),
 * which parses heap snapshots, diffs them, and reads profiles and source maps off the caller's thread.
 */
import type { AllocationEvidence, SourceLocation } from './DiagnosisReport';
import type { SuspectThresholds, SurvivorAnalysis } from './heapGraphAnalysis';

/** Bumped when a message changes shape. */
export const DIAGNOSIS_WORKER_PROTOCOL_VERSION = 1;

/** workerData of the analysis worker. */
export interface DiagnosisWorkerData {
  readonly version: number;
}

/** A request to the worker; answered by a response with the same id. */
export type ToDiagnosisWorker =
  | { readonly type: 'index'; readonly id: number; readonly role: 'baseline' | 'target'; readonly path: string }
  | { readonly type: 'diff'; readonly id: number; readonly path: string; readonly thresholds: SuspectThresholds; readonly maxGroups: number; readonly pathsPerGroup: number }
  | { readonly type: 'allocations'; readonly id: number; readonly path: string; readonly intervalBytes: number }
  | { readonly type: 'resolve'; readonly id: number; readonly locations: readonly SourceLocation[] };

/** Node counts and timing of an indexed snapshot. */
export interface IndexedSnapshot {
  readonly nodes: number;
  readonly ms: number;
}

/** The diff's answer. */
export interface DiffResult extends SurvivorAnalysis {
  readonly baselineNodes: number;
  readonly targetNodes: number;
  /** Parse and analysis time of all three snapshots in the worker, ms. */
  readonly ms: number;
}

/** A response from the worker. */
export type FromDiagnosisWorker =
  | { readonly type: 'indexed'; readonly id: number; readonly result: IndexedSnapshot }
  | { readonly type: 'diffed'; readonly id: number; readonly result: DiffResult }
  | { readonly type: 'allocations'; readonly id: number; readonly result: AllocationEvidence }
  | { readonly type: 'resolved'; readonly id: number; readonly result: ReadonlyArray<{ readonly location: SourceLocation; readonly generated?: SourceLocation }> }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };
