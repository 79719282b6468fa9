/**
 * Messages between the Monitor (extension host or CLI thread) and its sampling worker thread.
 * Both ends are our own code in the same process, so messages are typed rather than validated;
 * the version guards against a stale worker bundle after an update.
 */
import type { ProcessInfo, SourceWarning } from './processes/ProcessSource';
import type { ProcessTickDelta } from './processes/ProcessTickAssembler';

/** Bumped whenever a message shape changes. */
export const MONITOR_PROTOCOL_VERSION = 1;

/** Sent to the worker. */
export type ToMonitorWorker =
  | { type: 'configure'; intervalMs: number; fullScanIntervalMs?: number }
  | { type: 'roots'; pids: number[] }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'tickNow' }
  | { type: 'listAll'; requestId: number };

/** Sent by the worker. */
export type FromMonitorWorker =
  | { type: 'ready'; version: number; platform: string }
  | { type: 'tick'; delta: ProcessTickDelta; warnings: SourceWarning[]; costMs: number }
  | { type: 'listAllResult'; requestId: number; processes: ProcessInfo[]; error?: string }
  | { type: 'failure'; message: string };

/** Data the Monitor hands its worker at start (workerData). */
export interface MonitorWorkerData {
  readonly version: number;
  readonly intervalMs: number;
  readonly fullScanIntervalMs?: number;
}
