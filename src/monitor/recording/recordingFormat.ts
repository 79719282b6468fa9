/**
 * The NDJSON recording format (docs/recording-format.md): what the engine observed of one process,
 * a header line then one sample line per tick with `t` in seconds from the header's startTime.
 * Pure: the Recorder writes it, `process-vitals analyze` and the leak benchmark read it.
 */
import type { AgentVitals, WatchedProcess } from '../Monitor';
import type { ProcessSample } from '../processes/ProcessTickAssembler';

/** The format's name (the header's `format`). */
export const RECORDING_FORMAT = 'process-vitals-recording';
/** The newest version this code reads and the one it writes. */
export const RECORDING_VERSION = 1;

/** Units a header may give a series. */
export type RecordingUnit = 'percent' | 'bytes' | 'ms' | 'ratio' | 'count' | 'perSecond';

/** A series entry of the header. */
export interface RecordingSeries {
  readonly unit: RecordingUnit;
  readonly label: string;
  readonly source: 'os' | 'agent';
}

/** The first line of a recording. */
export interface RecordingHeader {
  readonly type: 'header';
  readonly format: typeof RECORDING_FORMAT;
  readonly version: number;
  readonly recorder?: { readonly name: string; readonly version: string };
  readonly createdAt?: string;
  /** ms since the epoch of t = 0. */
  readonly startTime: number;
  readonly intervalMs?: number;
  readonly platform?: string;
  readonly process: {
    readonly pid: number;
    readonly ppid?: number;
    readonly name?: string;
    readonly command?: string;
    readonly startTime?: number;
    readonly cwd?: string;
    readonly origin?: string;
    readonly agent?: boolean;
    /** V8's heap size limit (bytes), when known; lets a reader project time to out-of-memory. */
    readonly heapLimitBytes?: number;
  };
  readonly series?: Readonly<Record<string, RecordingSeries>>;
}

/**
 * What the engine observed of a process at one tick: OS figures for every process, agent figures
 * for Node processes with the agent (absent otherwise, or when the agent's report was stale).
 * Keys are the Monitor's series keys (ProcessSeriesKey), which are also the recording's.
 */
export interface ObservedVitals {
  readonly cpuPercent?: number;
  readonly rssBytes?: number;
  readonly heapUsedBytes?: number;
  readonly heapTotalBytes?: number;
  /** heapUsed right after the newest major GC (absent before the first one). */
  readonly heapAfterGcBytes?: number;
  readonly externalBytes?: number;
  readonly arrayBuffersBytes?: number;
  readonly eventLoopDelayP99Ms?: number;
  readonly eventLoopUtilization?: number;
  readonly activeHandles?: number;
  /** Cumulative major GCs since the agent started (tells a new heapAfterGcBytes from a repeated one). */
  readonly gcMajor?: number;
  /** Cumulative minor GCs (scavenges) since the agent started; estimates included while gcObservedFraction is present. */
  readonly gcMinor?: number;
  /**
   * Share of the time since the agent started during which it observed every GC (0..1); absent while
   * it has observed them all. A process that collects often has its GCs sampled: gcMinor then holds
   * estimates, and gcMajor counts major GCs detected one by one (several close together may count as one).
   */
  readonly gcObservedFraction?: number;
  /** Live resources by type (process.getActiveResourcesInfo() counted). */
  readonly activeResources?: Readonly<Record<string, number>>;
}

/** One decoded sample line. */
export interface RecordedSample extends ObservedVitals {
  /** Seconds since the header's startTime. */
  readonly t: number;
  /** Present when the line summarises a bucket (e.g. "mean30s") instead of being one reading. */
  readonly aggregate?: string;
}

/** A decoded recording. */
export interface Recording {
  readonly header: RecordingHeader;
  readonly samples: readonly RecordedSample[];
}

/** A recording that cannot be read, with the line at fault. */
export class RecordingFormatError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'RecordingFormatError';
  }
}

/** The series keys this engine writes, with their header entries. */
export const RECORDED_SERIES: Readonly<Record<string, RecordingSeries>> = {
  cpuPercent: { unit: 'percent', label: 'CPU', source: 'os' },
  rssBytes: { unit: 'bytes', label: 'Memory (RSS)', source: 'os' },
  heapUsedBytes: { unit: 'bytes', label: 'Heap used', source: 'agent' },
  heapTotalBytes: { unit: 'bytes', label: 'Heap total', source: 'agent' },
  heapAfterGcBytes: { unit: 'bytes', label: 'Heap after GC', source: 'agent' },
  externalBytes: { unit: 'bytes', label: 'External', source: 'agent' },
  arrayBuffersBytes: { unit: 'bytes', label: 'ArrayBuffers', source: 'agent' },
  eventLoopDelayP99Ms: { unit: 'ms', label: 'Event-loop delay p99', source: 'agent' },
  eventLoopUtilization: { unit: 'ratio', label: 'Event-loop utilization', source: 'agent' },
  activeHandles: { unit: 'count', label: 'Active handles', source: 'agent' },
  gcMajor: { unit: 'count', label: 'Major GCs (cumulative)', source: 'agent' },
  gcMinor: { unit: 'count', label: 'Minor GCs (cumulative)', source: 'agent' },
  gcObservedFraction: { unit: 'ratio', label: 'GCs observed (share of time)', source: 'agent' },
};

const NUMERIC_KEYS = Object.keys(RECORDED_SERIES) as Array<keyof ObservedVitals>;
/** Agent figures older than this many intervals describe another moment than the OS sample. */
const AGENT_FRESH_INTERVALS = 3;

/** What the engine observed of a watched process at the tick of `sample` (agent figures only when fresh). */
export function vitalsOfProcess(sample: ProcessSample, agent: AgentVitals | undefined, intervalMs: number): ObservedVitals {
  const os = { cpuPercent: round(sample.cpuPercent, 2), rssBytes: sample.rssBytes };
  if (!agent?.connected) return os;
  const r = agent.latest;
  if (Math.abs(sample.time - r.time) > AGENT_FRESH_INTERVALS * Math.max(intervalMs, r.intervalMs)) return os;
  let activeHandles = 0;
  for (const type in r.activeResources) activeHandles += r.activeResources[type]!;
  return {
    ...os,
    heapUsedBytes: r.memory.heapUsed,
    heapTotalBytes: r.memory.heapTotal,
    ...(r.heapAfterGc !== null ? { heapAfterGcBytes: r.heapAfterGc } : {}),
    externalBytes: r.memory.external,
    arrayBuffersBytes: r.memory.arrayBuffers,
    eventLoopDelayP99Ms: round(r.eventLoopDelay.p99, 3),
    eventLoopUtilization: r.eventLoopUtilization,
    activeHandles,
    gcMajor: r.gc.major.count,
    gcMinor: r.gc.minor.count,
    ...(r.gcSampling ? { gcObservedFraction: r.gcSampling.observedFraction } : {}),
    activeResources: { ...r.activeResources },
  };
}

/** The header of a recording of `watched` whose first sample is at startTime. */
export function recordingHeaderOf(
  watched: WatchedProcess,
  startTime: number,
  options: { readonly intervalMs: number; readonly recorder: string; readonly recorderVersion: string; readonly origin?: string },
): RecordingHeader {
  const { info } = watched;
  return {
    type: 'header',
    format: RECORDING_FORMAT,
    version: RECORDING_VERSION,
    recorder: { name: options.recorder, version: options.recorderVersion },
    createdAt: new Date(startTime).toISOString(),
    startTime,
    intervalMs: options.intervalMs,
    platform: `${process.platform}-${process.arch}`,
    process: {
      pid: info.pid,
      ppid: info.ppid,
      name: info.name,
      command: info.command,
      startTime: info.startTime,
      ...(info.cwd ? { cwd: info.cwd } : {}),
      ...(options.origin ? { origin: options.origin } : {}),
      ...(watched.agent?.hello.heapSizeLimit ? { heapLimitBytes: watched.agent.hello.heapSizeLimit } : {}),
    },
    // Written before the samples, so it lists every key this recorder may write; some may never appear.
    series: RECORDED_SERIES,
  };
}

/** One sample line (without the newline); absent and non-finite figures are left out. */
export function formatSampleLine(t: number, vitals: ObservedVitals): string {
  const line: Record<string, unknown> = { type: 'sample', t: Math.round(t * 1000) / 1000 };
  for (const key of NUMERIC_KEYS) {
    const v = vitals[key];
    if (typeof v === 'number' && Number.isFinite(v)) line[key] = v;
  }
  if (vitals.activeResources && Object.keys(vitals.activeResources).length) line.activeResources = vitals.activeResources;
  return JSON.stringify(line);
}

/** Parses a recording's text; throws RecordingFormatError on a bad header, skips lines of unknown types. */
export function parseRecording(text: string): Recording {
  const lines = text.split('\n');
  let header: RecordingHeader | undefined;
  const samples: RecordedSample[] = [];
  let lastT = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new RecordingFormatError('not JSON', i + 1);
    }
    if (!isObject(value)) throw new RecordingFormatError('not a JSON object', i + 1);
    if (header === undefined) {
      header = validateHeader(value, i + 1);
      continue;
    }
    if (value.type !== 'sample') continue; // forward compatibility: unknown line types are skipped
    const sample = validateSample(value, i + 1);
    if (sample.t < lastT) throw new RecordingFormatError(`t goes backwards (${sample.t} after ${lastT})`, i + 1);
    lastT = sample.t;
    samples.push(sample);
  }
  if (!header) throw new RecordingFormatError('empty file (no header)', 1);
  return { header, samples };
}

function validateHeader(value: Record<string, unknown>, line: number): RecordingHeader {
  if (value.type !== 'header') throw new RecordingFormatError('the first line must be the header', line);
  if (value.format !== RECORDING_FORMAT) throw new RecordingFormatError(`format is not ${RECORDING_FORMAT}`, line);
  if (typeof value.version !== 'number' || !Number.isInteger(value.version) || value.version < 1) throw new RecordingFormatError('version must be a positive integer', line);
  if (value.version > RECORDING_VERSION) throw new RecordingFormatError(`version ${value.version} is newer than this reader (${RECORDING_VERSION})`, line);
  if (!isFiniteNumber(value.startTime)) throw new RecordingFormatError('startTime must be a number (ms since the epoch)', line);
  const p = value.process;
  if (!isObject(p) || !isFiniteNumber(p.pid)) throw new RecordingFormatError('process.pid is required', line);
  const processFields: Record<string, unknown> = { pid: p.pid };
  for (const key of ['ppid', 'startTime', 'heapLimitBytes'] as const) if (isFiniteNumber(p[key])) processFields[key] = p[key];
  for (const key of ['name', 'command', 'cwd', 'origin'] as const) if (typeof p[key] === 'string') processFields[key] = p[key];
  if (typeof p.agent === 'boolean') processFields.agent = p.agent;
  return {
    type: 'header',
    format: RECORDING_FORMAT,
    version: value.version,
    startTime: value.startTime,
    ...(isFiniteNumber(value.intervalMs) ? { intervalMs: value.intervalMs } : {}),
    ...(typeof value.platform === 'string' ? { platform: value.platform } : {}),
    ...(typeof value.createdAt === 'string' ? { createdAt: value.createdAt } : {}),
    process: processFields as unknown as RecordingHeader['process'],
  };
}

function validateSample(value: Record<string, unknown>, line: number): RecordedSample {
  if (!isFiniteNumber(value.t)) throw new RecordingFormatError('a sample needs t (seconds)', line);
  const sample: Record<string, unknown> = { t: value.t };
  if (typeof value.aggregate === 'string') sample.aggregate = value.aggregate;
  for (const key of NUMERIC_KEYS) if (isFiniteNumber(value[key])) sample[key] = value[key];
  const resources = value.activeResources;
  if (isObject(resources)) {
    // A fresh object without a prototype: keys come from an untrusted file.
    const counts: Record<string, number> = Object.create(null) as Record<string, number>;
    for (const [type, count] of Object.entries(resources)) if (isFiniteNumber(count)) counts[type] = count;
    sample.activeResources = counts;
  }
  return sample as unknown as RecordedSample;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
