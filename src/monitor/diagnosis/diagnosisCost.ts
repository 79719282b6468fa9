import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import type { DiagnosisCostEstimate } from './DiagnosisReport';

/**
 * Per-object costs measured on this project's machines (docs: performance-facts.md): a heap
 * snapshot freezes the program ~3-4 us per object and needs ~0.5 KB of transient memory per
 * object; the file takes ~90 bytes per object; @vscode/v8-heap-parser needs ~0.8 KB per object
 * (about 9x the file) to parse and index it, and ~2.5 us per object.
 */
const FREEZE_US_PER_OBJECT = 3.5;
const TARGET_BYTES_PER_OBJECT = 512;
const FILE_BYTES_PER_OBJECT = 90;
const ANALYSIS_BYTES_PER_OBJECT = 800;
const ANALYSIS_US_PER_OBJECT = 2.5;
/** Average object size assumed when the count is unknown: small objects (46 MB held ~1M), the costly case. */
const ASSUMED_BYTES_PER_OBJECT = 48;
/** Memory left for everything else after the estimate, as a share of what is available. */
const SAFETY_SHARE = 0.8;
const SNAPSHOTS = 3;

/** What the estimate needs to know. */
export interface DiagnosisCostInputs {
  /** heapUsed of the target (the agent's latest report). */
  readonly heapUsedBytes: number;
  /** Objects in the heap when known (for example from an earlier snapshot); else estimated from heapUsed. */
  readonly objectCount?: number;
  readonly observeSeconds: number;
  /** Memory available to new allocations on this machine, bytes. */
  readonly availableBytes: number;
}

/** Estimates what a three-snapshot diagnosis costs the target and this machine, and refuses when memory is short. */
export function estimateDiagnosisCost(inputs: DiagnosisCostInputs): DiagnosisCostEstimate {
  const known = inputs.objectCount !== undefined && inputs.objectCount > 0;
  const objects = Math.max(1, Math.round(known ? inputs.objectCount! : inputs.heapUsedBytes / ASSUMED_BYTES_PER_OBJECT));
  const freezeMs = Math.round((objects * FREEZE_US_PER_OBJECT) / 1000);
  const targetExtraBytes = objects * TARGET_BYTES_PER_OBJECT;
  const analysisBytes = objects * ANALYSIS_BYTES_PER_OBJECT;
  const diskBytes = objects * FILE_BYTES_PER_OBJECT * SNAPSHOTS + 4 * 1048576;
  const analysisMs = Math.round((objects * ANALYSIS_US_PER_OBJECT) / 1000);
  const durationMs = Math.round(inputs.observeSeconds * 2000 + freezeMs * SNAPSHOTS + analysisMs * 2 + 2000);
  // The target's snapshot memory and the worker's parse can overlap (the worker indexes one snapshot while the next is written).
  const peakBytes = targetExtraBytes + analysisBytes;
  const usable = inputs.availableBytes * SAFETY_SHARE;
  const safe = peakBytes <= usable;
  const assumption = known
    ? `${objects.toLocaleString('en-US')} heap objects (counted).`
    : `about ${objects.toLocaleString('en-US')} heap objects, assuming small objects of ~${ASSUMED_BYTES_PER_OBJECT} bytes (the costly case); a heap of large strings or arrays costs far less.`;
  const summary =
    `Three heap snapshots each freeze the program for up to ${seconds(freezeMs)} and need up to ${mib(targetExtraBytes)} more memory in it; ` +
    `the analysis needs up to ${mib(analysisBytes)} here and ${mib(diskBytes)} of disk; about ${seconds(durationMs)} in all.`;
  return {
    estimatedObjects: objects,
    freezeMsPerSnapshot: freezeMs,
    targetExtraBytes,
    analysisBytes,
    diskBytes,
    durationMs,
    availableBytes: inputs.availableBytes,
    safe,
    ...(safe ? {} : { refusal: `Not enough free memory for a heap snapshot: it may need up to ${mib(peakBytes)}, and ${mib(inputs.availableBytes)} is available. Free some memory, or diagnose while the heap is smaller.` }),
    assumption,
    summary,
  };
}

/** Memory available to new allocations: MemAvailable on Linux (it counts reclaimable cache), else os.freemem(). */
export function readAvailableMemory(procRoot = '/proc'): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync(`${procRoot}/meminfo`, 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // Not Linux.
  }
  return freemem();
}

function mib(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${Math.max(1, Math.round(bytes / 1048576))} MiB`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
