/**
 * Exports of what the dashboard shows: the visible series as CSV, and one process's samples as an
 * NDJSON recording (docs/recording-format.md). Pure (no vscode import): the controller asks where
 * to save and writes the text. Both read the monitor's full-resolution ring, falling back to the
 * 30 s archive for the part of the range the ring no longer holds.
 */
import { TIME_RANGE_MS, type TimeRange } from '../../webview/protocol';
import type { DashboardProcess } from './dashboardData';
import { RECORDING_FORMAT, RECORDING_VERSION, type RecordingHeader, type RecordingSeries } from '../../monitor/recording/recordingFormat';
import { compareSeriesKeys, describeSeries } from './seriesCatalog';

/** Samples of one process over a window: times (ms since the epoch) with each series' values. */
interface ExportSlice {
  readonly times: Float64Array;
  readonly series: Map<string, Float64Array>;
}

/** The window a range covers at `now`. */
export function fromTimeOf(range: TimeRange, now: number): number {
  return range === 'session' ? Number.NEGATIVE_INFINITY : now - TIME_RANGE_MS[range];
}

function sliceOf(p: DashboardProcess, keys: readonly string[], fromTime: number): ExportSlice {
  const first = keys[0];
  const series = new Map<string, Float64Array>();
  if (first === undefined) return { times: new Float64Array(0), series };
  const recent = p.history.recent(first, fromTime);
  const recentStart = recent.times.length ? recent.times[0]! : Number.POSITIVE_INFINITY;
  const archive = p.history.archive(first, fromTime);
  let archived = 0;
  while (archived < archive.times.length && archive.times[archived]! < recentStart) archived++;
  const times = new Float64Array(archived + recent.times.length);
  times.set(archive.times.subarray(0, archived));
  times.set(recent.times, archived);
  for (const key of keys) {
    const values = new Float64Array(times.length);
    values.set(p.history.archive(key, fromTime).means.subarray(0, archived));
    values.set(p.history.recent(key, fromTime).values, archived);
    series.set(key, values);
  }
  return { times, series };
}

/** The keys of a process's history that have at least one value in the slice, minus hidden ones. */
function keysWithData(p: DashboardProcess, hidden: ReadonlySet<string>, fromTime: number): string[] {
  const keys = p.history.keys.filter((k) => !hidden.has(k));
  const slice = sliceOf(p, keys, fromTime);
  return keys.filter((k) => slice.series.get(k)!.some((v) => !Number.isNaN(v)));
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** What the CSV export covers. */
export interface CsvInput {
  readonly processes: readonly DashboardProcess[];
  readonly hiddenSeries: readonly string[];
  readonly range: TimeRange;
  readonly now: number;
}

/**
 * The visible series as CSV, one row per process and sample: `time` (ISO 8601), `t` (seconds since
 * the first row), `pid`, `process`, then one column per series with its unit in the header.
 * Gaps are empty fields.
 */
export function buildCsv(input: CsvInput): string {
  const hidden = new Set(input.hiddenSeries);
  const fromTime = fromTimeOf(input.range, input.now);
  const allKeys = new Set<string>();
  for (const p of input.processes) for (const k of keysWithData(p, hidden, fromTime)) allKeys.add(k);
  const keys = [...allKeys].sort(compareSeriesKeys);
  const rows: { time: number; pid: number; cells: string[] }[] = [];
  for (const p of input.processes) {
    const slice = sliceOf(p, keys.filter((k) => p.history.keys.includes(k)), fromTime);
    for (let i = 0; i < slice.times.length; i++) {
      const cells = keys.map((k) => {
        const v = slice.series.get(k)?.[i];
        return v === undefined || Number.isNaN(v) ? '' : String(v);
      });
      rows.push({ time: slice.times[i]!, pid: p.info.pid, cells: [String(p.info.pid), csvField(p.info.name), ...cells] });
    }
  }
  rows.sort((a, b) => a.time - b.time || a.pid - b.pid);
  const start = rows[0]?.time ?? 0;
  const header = ['time', 't_seconds', 'pid', 'process', ...keys.map((k) => `${k} (${describeSeries(k).unit})`)];
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) lines.push([new Date(row.time).toISOString(), ((row.time - start) / 1000).toFixed(3), ...row.cells].join(','));
  return lines.join('\r\n') + '\r\n';
}

/** What a recording covers. */
export interface RecordingInput {
  readonly process: DashboardProcess;
  readonly origin: string | null;
  readonly range: TimeRange;
  readonly now: number;
  readonly intervalMs: number;
  /** Who wrote it ("dashboard", "cli"). */
  readonly recorder: string;
  /** The extension's version. */
  readonly recorderVersion: string;
  readonly platform: string;
}

/**
 * One process's samples as an NDJSON recording: a `header` line (format, version, process, series
 * with units), then one `sample` line per sample with `t` in seconds from `startTime` and the
 * series that have a value (a gap is an absent field). Archived stretches (older than the
 * full-resolution ring) are written as `sample` lines with `"aggregate": "mean30s"`.
 */
export function buildRecording(input: RecordingInput): string {
  const p = input.process;
  const fromTime = fromTimeOf(input.range, input.now);
  const keys = keysWithData(p, new Set(), fromTime).sort(compareSeriesKeys);
  const slice = sliceOf(p, keys, fromTime);
  const recentStart = keys.length ? p.history.recent(keys[0]!, fromTime).times[0] ?? Number.POSITIVE_INFINITY : Number.POSITIVE_INFINITY;
  const startTime = slice.times.length ? slice.times[0]! : input.now;
  const series: Record<string, RecordingSeries> = {};
  for (const key of keys) {
    const d = describeSeries(key);
    series[key] = { unit: d.unit, label: d.label, source: d.agentOnly ? 'agent' : 'os' };
  }
  // Typed as the format's header, so this writer and the engine's Recorder cannot drift apart.
  const header: RecordingHeader = {
    type: 'header',
    format: RECORDING_FORMAT,
    version: RECORDING_VERSION,
    recorder: { name: input.recorder, version: input.recorderVersion },
    createdAt: new Date(input.now).toISOString(),
    startTime,
    intervalMs: input.intervalMs,
    platform: input.platform,
    process: {
      pid: p.info.pid,
      ppid: p.info.ppid,
      name: p.info.name,
      command: p.info.command,
      startTime: p.info.startTime,
      ...(p.info.cwd ? { cwd: p.info.cwd } : {}),
      ...(input.origin ? { origin: input.origin } : {}),
      agent: p.agent !== undefined && p.agent !== null && p.agent !== false,
    },
    series,
  };
  const lines = [JSON.stringify(header)];
  for (let i = 0; i < slice.times.length; i++) {
    const time = slice.times[i]!;
    const line: Record<string, unknown> = { type: 'sample', t: Math.round(time - startTime) / 1000 };
    if (time < recentStart) line.aggregate = 'mean30s';
    for (const key of keys) {
      const v = slice.series.get(key)![i]!;
      if (!Number.isNaN(v)) line[key] = v;
    }
    lines.push(JSON.stringify(line));
  }
  return lines.join('\n') + '\n';
}

/** A file name for an export: "process-vitals-node-1234-2025-01-31T10-15-00.csv". */
export function exportFileName(what: string, extension: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-');
  const safe = what.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'export';
  return `process-vitals-${safe}-${stamp}.${extension}`;
}
