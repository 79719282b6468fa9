/**
 * The dashboard's data, computed from the monitor's model: the full hydration a (re)loaded page
 * needs, downsampled to the chosen range, and the small per-tick deltas. Pure (no vscode import):
 * unit-tested in plain Node and measured by bench/dashboardRender.bench.ts.
 *
 * Series are handled generically (every key of a process's history), so series the engine adds
 * later (the agent's heap, event loop, handles) appear without changes here; a series that is all
 * gaps for a process (a non-Node process has no heap) is left out of the messages.
 */
import type { ArchiveSlice, SeriesSlice } from '../../monitor/series/SampleHistory';
import type { ProcessInfo } from '../../monitor/processes/ProcessSource';
import type { SystemStats } from '../../monitor/processes/SystemStatsSampler';
import type { ProcessTreeNode } from '../ProcessTreeModel';
import {
  PROTOCOL_VERSION,
  TIME_RANGE_MS,
  type ChartMarker,
  type DashboardViewState,
  type HydrateMessage,
  type ProcessHistory,
  type ProcessRow,
  type SeriesDescriptor,
  type SystemSnapshot,
  type TickMessage,
  type TimeRange,
} from '../../webview/protocol';
import { compareSeriesKeys, describeSeries } from './seriesCatalog';

/**
 * At most about this many points per series and range: one per 2 px of a typical chart, which is
 * all a line can show; each point's tooltip gives its bucket's maximum. It also bounds the page's
 * redraw cost (bench/dashboardRender.bench.ts).
 */
export const MAX_POINTS_PER_SERIES = 200;

/** Bucket widths the range's point width is rounded up to, so tick labels and buckets align. */
const NICE_BUCKETS_MS = [1_000, 2_000, 3_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];

/** The history a dashboard reads: SampleHistory satisfies it whatever its key type. */
export interface SeriesHistoryView {
  readonly keys: readonly string[];
  readonly lastTime: number | undefined;
  recent(key: string, fromTime?: number): SeriesSlice;
  archive(key: string, fromTime?: number): ArchiveSlice;
  latest(key: string): number | undefined;
}

/** What the dashboard needs of a watched process (the Monitor's WatchedProcess satisfies it). */
export interface DashboardProcess {
  readonly key: string;
  readonly info: ProcessInfo;
  readonly history: SeriesHistoryView;
  /** Set by the engine when the Node agent reports for this process (its shape is the agent's). */
  readonly agent?: unknown;
  /** When the monitor first saw it, ms since the epoch. */
  readonly firstSeen?: number;
}

/** Width of one chart point for a range: the sampling interval, or wider so a range has <= MAX_POINTS_PER_SERIES points. */
export function bucketMsFor(range: TimeRange, intervalMs: number, sessionSpanMs: number): number {
  const span = range === 'session' ? Math.max(sessionSpanMs, 60_000) : TIME_RANGE_MS[range];
  const wanted = Math.max(intervalMs, span / MAX_POINTS_PER_SERIES);
  const nice = NICE_BUCKETS_MS.find((b) => b >= wanted);
  return nice ?? Math.ceil(wanted / 3_600_000) * 3_600_000;
}

/** The table row of a process. */
export function rowOf(p: DashboardProcess, origin: string | null): ProcessRow {
  return {
    key: p.key,
    pid: p.info.pid,
    ppid: p.info.ppid,
    name: p.info.name,
    command: p.info.command,
    origin,
    startTime: p.info.startTime,
    agent: p.agent !== undefined && p.agent !== null && p.agent !== false,
  };
}

/**
 * Maps each process key in the Processes tree to its origin group's label ("Terminal: dev",
 * "Watched"), so the dashboard shows the same attribution as the tree.
 */
export function originsByProcessKey(tree: readonly ProcessTreeNode[]): Map<string, string> {
  const origins = new Map<string, string>();
  const visit = (node: ProcessTreeNode, origin: string) => {
    if (node.processKey && !origins.has(node.processKey)) origins.set(node.processKey, origin);
    for (const child of node.children) visit(child, origin);
  };
  for (const group of tree) visit(group, group.label);
  return origins;
}

/** Rounds for the wire: 4 significant digits below 1000 (CPU 12.35%), integers above (bytes). */
export function roundForWire(value: number): number | null {
  if (!Number.isFinite(value)) return null;
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value);
  if (magnitude === 0) return 0;
  const digits = Math.max(0, 3 - Math.floor(Math.log10(magnitude)));
  const factor = 10 ** Math.min(digits, 9);
  return Math.round(value * factor) / factor;
}

/** One process's raw points over a time window: archive buckets before the recent samples, then the recent ones. */
interface RawSeries {
  readonly times: Float64Array;
  readonly values: Map<string, Float64Array>;
  readonly maxima: Map<string, Float64Array>;
  /** Whether any point stands for more than one sample (archive buckets). */
  readonly aggregated: boolean;
}

function rawSeries(history: SeriesHistoryView, keys: readonly string[], fromTime: number): RawSeries {
  const firstKey = keys[0];
  if (firstKey === undefined) return { times: new Float64Array(0), values: new Map(), maxima: new Map(), aggregated: false };
  const recentTimes = history.recent(firstKey, fromTime).times;
  const recentStart = recentTimes.length ? recentTimes[0]! : Number.POSITIVE_INFINITY;
  // Archive buckets only cover what the full-resolution ring no longer holds.
  const archived = history.archive(firstKey, fromTime);
  let archiveCount = 0;
  while (archiveCount < archived.times.length && archived.times[archiveCount]! < recentStart) archiveCount++;
  const times = new Float64Array(archiveCount + recentTimes.length);
  times.set(archived.times.subarray(0, archiveCount), 0);
  times.set(recentTimes, archiveCount);
  const values = new Map<string, Float64Array>();
  const maxima = new Map<string, Float64Array>();
  for (const key of keys) {
    const v = new Float64Array(times.length);
    const m = new Float64Array(times.length);
    if (archiveCount) {
      const a = history.archive(key, fromTime);
      v.set(a.means.subarray(0, archiveCount), 0);
      m.set(a.maxima.subarray(0, archiveCount), 0);
    }
    const r = history.recent(key, fromTime).values;
    v.set(r, archiveCount);
    m.set(r, archiveCount);
    values.set(key, v);
    maxima.set(key, m);
  }
  return { times, values, maxima, aggregated: archiveCount > 0 };
}

/**
 * Folds points into time-aligned buckets (`floor(t / bucketMs)`), the same rule the page applies
 * to live samples, so hydrated and live points line up. A bucket's time is its newest point's time,
 * its value the mean of its non-gap values and its maximum the largest; an all-gap bucket is a gap.
 */
export function bucketByTime(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  maxima: ArrayLike<number>,
  bucketMs: number,
): { times: number[]; values: number[]; maxima: number[] } {
  const out = { times: [] as number[], values: [] as number[], maxima: [] as number[] };
  let i = 0;
  while (i < times.length) {
    const bucket = Math.floor(times[i]! / bucketMs);
    let sum = 0;
    let seen = 0;
    let max = Number.NEGATIVE_INFINITY;
    let last = times[i]!;
    while (i < times.length && Math.floor(times[i]! / bucketMs) === bucket) {
      const v = values[i]!;
      if (!Number.isNaN(v)) {
        sum += v;
        seen++;
        const m = Number.isNaN(maxima[i]!) ? v : maxima[i]!;
        if (m > max) max = m;
      }
      last = times[i]!;
      i++;
    }
    out.times.push(last);
    out.values.push(seen ? sum / seen : Number.NaN);
    out.maxima.push(seen ? max : Number.NaN);
  }
  return out;
}

/** One process's history for the page over [fromTime, now], bucketed; series that are all gaps are left out. */
export function buildProcessHistory(p: DashboardProcess, fromTime: number, bucketMs: number, intervalMs: number): ProcessHistory {
  const raw = rawSeries(p.history, p.history.keys, fromTime);
  // Bucket boundaries depend only on the times: compute the buckets of every series in one pass each.
  let times: number[] | undefined;
  const series: Record<string, { values: (number | null)[]; maxima?: (number | null)[] }> = {};
  for (const key of p.history.keys) {
    const b = bucketByTime(raw.times, raw.values.get(key)!, raw.maxima.get(key)!, bucketMs);
    times ??= b.times;
    if (b.values.every((v) => Number.isNaN(v))) continue;
    const entry: { values: (number | null)[]; maxima?: (number | null)[] } = { values: b.values.map(roundForWire) };
    // Maxima only carry information when a point stands for several samples.
    if (raw.aggregated || bucketMs > intervalMs) entry.maxima = b.maxima.map(roundForWire);
    series[key] = entry;
  }
  return { key: p.key, times: times ?? [], series };
}

/** The series that have data in any of the processes, described and in chart order. */
export function catalogOf(histories: readonly ProcessHistory[], processes: readonly DashboardProcess[]): SeriesDescriptor[] {
  const keys = new Set<string>();
  for (const h of histories) for (const key of Object.keys(h.series)) keys.add(key);
  // A series with a latest value counts too (a process that just appeared has no bucket yet).
  for (const p of processes) {
    for (const key of p.history.keys) if (Number.isFinite(p.history.latest(key) ?? Number.NaN)) keys.add(key);
  }
  // The OS series always have charts, even before the first sample: the page is never blank.
  keys.add('cpuPercent');
  keys.add('rssBytes');
  return [...keys].sort(compareSeriesKeys).map(describeSeries);
}

/** What a hydration is built from. */
export interface HydrationInput {
  readonly processes: readonly DashboardProcess[];
  readonly originOf: (processKey: string) => string | null;
  readonly state: DashboardViewState;
  readonly now: number;
  readonly intervalMs: number;
  /** When the oldest process was first seen (the "session" range starts there). */
  readonly sessionStart: number;
  readonly markers: readonly ChartMarker[];
  readonly system: SystemSnapshot | null;
  readonly features: HydrateMessage['features'];
}

/** Builds the full state for a page that has just loaded (or whose range changed). */
export function buildHydration(input: HydrationInput): HydrateMessage {
  const { state, now, intervalMs } = input;
  const bucketMs = bucketMsFor(state.range, intervalMs, now - input.sessionStart);
  const fromTime = state.range === 'session' ? Number.NEGATIVE_INFINITY : now - TIME_RANGE_MS[state.range];
  const history = input.processes.map((p) => buildProcessHistory(p, fromTime, bucketMs, intervalMs));
  return {
    v: PROTOCOL_VERSION,
    type: 'hydrate',
    state,
    now,
    intervalMs,
    bucketMs,
    catalog: catalogOf(history, input.processes),
    processes: input.processes.map((p) => rowOf(p, input.originOf(p.key))),
    history,
    markers: input.markers.filter((m) => m.time >= fromTime),
    system: input.system,
    features: input.features,
  };
}

/**
 * Builds the per-tick deltas for one page: remembers which rows and series the page has, so each
 * tick carries only new, changed and exited rows, newly seen series and one value per series.
 */
export class TickDeltaBuilder {
  private sentRows = new Map<string, string>();
  private sentSeries = new Set<string>();

  /** Starts over from what a hydration gave the page. */
  reset(hydration: Pick<HydrateMessage, 'processes' | 'catalog'>): void {
    this.sentRows = new Map(hydration.processes.map((row) => [row.key, JSON.stringify(row)]));
    this.sentSeries = new Set(hydration.catalog.map((d) => d.key));
  }

  /** The delta for the processes' current state at `time`. */
  build(time: number, processes: readonly DashboardProcess[], originOf: (processKey: string) => string | null): TickMessage {
    const appeared: ProcessRow[] = [];
    const changed: ProcessRow[] = [];
    const newSeries: SeriesDescriptor[] = [];
    const samples: TickMessage['samples'][number][] = [];
    const present = new Set<string>();
    for (const p of processes) {
      present.add(p.key);
      const row = rowOf(p, originOf(p.key));
      const text = JSON.stringify(row);
      const previous = this.sentRows.get(p.key);
      if (previous === undefined) appeared.push(row);
      else if (previous !== text) changed.push(row);
      this.sentRows.set(p.key, text);

      const sampleTime = p.history.lastTime;
      if (sampleTime === undefined) continue;
      const values: Record<string, number | null> = {};
      let any = false;
      for (const key of p.history.keys) {
        const value = roundForWire(p.history.latest(key) ?? Number.NaN);
        if (value === null) continue; // a gap: the page treats a missing key as one
        values[key] = value;
        any = true;
        if (!this.sentSeries.has(key)) {
          this.sentSeries.add(key);
          newSeries.push(describeSeries(key));
        }
      }
      if (any) samples.push({ key: p.key, time: sampleTime, values });
    }
    const exited: string[] = [];
    for (const key of this.sentRows.keys()) {
      if (!present.has(key)) exited.push(key);
    }
    for (const key of exited) this.sentRows.delete(key);
    return { v: PROTOCOL_VERSION, type: 'tick', time, appeared, changed, exited, newSeries, samples };
  }
}

/** The wire form of a system sample (null for what the platform cannot give). */
export function snapshotOf(stats: SystemStats): SystemSnapshot {
  return {
    time: stats.time,
    cpuPercent: stats.cpuPercent ?? null,
    cpuCount: stats.cpuCount,
    memory: stats.memory ? { totalBytes: stats.memory.totalBytes, usedBytes: stats.memory.usedBytes } : null,
    loadAverage: stats.loadAverage ?? null,
    disk: stats.disk ? { mount: stats.disk.mount, totalBytes: stats.disk.totalBytes, usedBytes: stats.disk.usedBytes } : null,
  };
}
