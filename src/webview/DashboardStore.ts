/**
 * The page's copy of what the host sent: process rows, chart-ready points per process and series,
 * latest values, markers and the optional panels' data. Live samples are folded into the same
 * time-aligned buckets the host used for the hydration (`floor(t / bucketMs)`), so a chart never
 * holds more points than its range needs, however long the page stays open.
 */
import {
  PROTOCOL_LIMITS,
  TIME_RANGE_MS,
  type AlertItem,
  type ChartMarker,
  type DashboardViewState,
  type HandleInventoryMessage,
  type HandleInventoryStatusMessage,
  type HydrateMessage,
  type LeakVerdictItem,
  type MarkersMessage,
  type ProcessRow,
  type SeriesDescriptor,
  type SystemSnapshot,
  type TickMessage,
} from './protocol';

/** The shortest time span a chart shows, so the first samples of a session are not a vertical line. */
const MIN_VISIBLE_SPAN_MS = 60_000;

/** A chart point; `max`, `sum` and `count` describe the bucket it stands for. */
export interface ChartPoint {
  x: number;
  y: number | null;
  max: number | null;
  sum: number;
  count: number;
}

/** What a tick changed, so the view redraws only what it must. */
export interface TickEffect {
  /** Rows or series were added or removed: datasets and table rows are rebuilt. */
  readonly structureChanged: boolean;
}

/** The page's data. */
export class DashboardStore {
  state: DashboardViewState = { range: '5m', focusKey: null, paused: false, hiddenSeries: [] };
  catalog: SeriesDescriptor[] = [];
  rows = new Map<string, ProcessRow>();
  /** processKey -> seriesKey -> points, oldest first. */
  readonly points = new Map<string, Map<string, ChartPoint[]>>();
  /** processKey -> seriesKey -> newest value. */
  readonly latest = new Map<string, Map<string, number>>();
  bucketMs = 1000;
  intervalMs = 1000;
  /** The newest sample time seen (the right edge of the charts). */
  now = Date.now();
  markers: ChartMarker[] = [];
  system: SystemSnapshot | null = null;
  alerts: readonly AlertItem[] = [];
  verdicts: readonly LeakVerdictItem[] = [];
  readonly inventories = new Map<string, HandleInventoryMessage>();
  /** Inventory requests under way or failed, by process key (cleared when an inventory arrives). */
  readonly inventoryStatus = new Map<string, Pick<HandleInventoryStatusMessage, 'state' | 'message'>>();
  features: HydrateMessage['features'] = { alerts: false, leakVerdicts: false, handleInventory: false };
  /** Bumped whenever rows or the catalog change. */
  structureVersion = 0;
  hydrated = false;

  /** Replaces everything with a hydration. */
  hydrate(message: HydrateMessage): void {
    this.pointsVersion++;
    this.state = message.state;
    this.catalog = [...message.catalog];
    this.bucketMs = message.bucketMs;
    this.intervalMs = message.intervalMs;
    this.now = message.now;
    this.features = message.features;
    this.system = message.system;
    this.markers = [...message.markers];
    this.rows = new Map(message.processes.map((row) => [row.key, row]));
    this.points.clear();
    this.latest.clear();
    for (const h of message.history) {
      const bySeries = new Map<string, ChartPoint[]>();
      const latest = new Map<string, number>();
      for (const [key, series] of Object.entries(h.series)) {
        const points: ChartPoint[] = new Array(h.times.length);
        for (let i = 0; i < h.times.length; i++) {
          const y = series.values[i] ?? null;
          points[i] = { x: h.times[i]!, y, max: series.maxima?.[i] ?? y, sum: y ?? 0, count: y === null ? 0 : 1 };
          if (y !== null) latest.set(key, y);
        }
        bySeries.set(key, points);
      }
      this.points.set(h.key, bySeries);
      this.latest.set(h.key, latest);
    }
    this.structureVersion++;
    this.hydrated = true;
  }

  /** Applies one tick. */
  applyTick(message: TickMessage): TickEffect {
    this.pointsVersion++;
    let structureChanged = false;
    for (const row of message.appeared) {
      this.rows.set(row.key, row);
      structureChanged = true;
    }
    for (const row of message.changed) {
      this.rows.set(row.key, row);
      structureChanged = true;
    }
    for (const key of message.exited) {
      this.rows.delete(key);
      this.points.delete(key);
      this.latest.delete(key);
      this.inventories.delete(key);
      this.inventoryStatus.delete(key);
      structureChanged = true;
    }
    for (const descriptor of message.newSeries) {
      if (this.catalog.some((d) => d.key === descriptor.key) || this.catalog.length >= PROTOCOL_LIMITS.seriesKeys) continue;
      this.catalog.push(descriptor);
      structureChanged = true;
    }
    for (const sample of message.samples) {
      if (!this.rows.has(sample.key)) continue;
      let bySeries = this.points.get(sample.key);
      if (!bySeries) this.points.set(sample.key, (bySeries = new Map()));
      let latest = this.latest.get(sample.key);
      if (!latest) this.latest.set(sample.key, (latest = new Map()));
      for (const [key, value] of Object.entries(sample.values)) {
        if (value === null) continue;
        latest.set(key, value);
        let points = bySeries.get(key);
        if (!points) {
          bySeries.set(key, (points = []));
          structureChanged = true; // a new dataset
        }
        this.fold(points, sample.time, value);
      }
    }
    this.now = Math.max(this.now, message.time);
    this.trim();
    if (structureChanged) this.structureVersion++;
    return { structureChanged };
  }

  /**
   * Markers of the shown processes (the focused one, or every row) inside the range. The same for
   * every chart, so it is worked out once per change of markers, focus, rows or range start (once
   * per tick) instead of once per chart and redraw.
   */
  visibleMarkers(): ChartMarker[] {
    const focus = this.state.focusKey;
    const start = this.rangeStart();
    const cached = this.visibleMarkersCache;
    if (cached && cached.markers === this.markers && cached.focus === focus && cached.start === start && cached.structure === this.structureVersion) return cached.visible;
    const visible = this.markers.filter((m) => m.time >= start && (m.processKey === null || (focus === null ? this.rows.has(m.processKey) : m.processKey === focus)));
    this.visibleMarkersCache = { markers: this.markers, focus, start, structure: this.structureVersion, visible };
    return visible;
  }

  private visibleMarkersCache: { markers: ChartMarker[]; focus: string | null; start: number; structure: number; visible: ChartMarker[] } | undefined;

  /** Adds new markers, moves those whose id the page has, removes the removed; keeps them sorted and bounded. */
  applyMarkers(message: Pick<MarkersMessage, 'markers' | 'removed'>): void {
    const byId = new Map(this.markers.map((m) => [m.id, m]));
    for (const id of message.removed) byId.delete(id);
    for (const marker of message.markers) byId.set(marker.id, marker);
    const start = this.state.range === 'session' ? Number.NEGATIVE_INFINITY : this.now - TIME_RANGE_MS[this.state.range];
    const markers = [...byId.values()].filter((m) => m.time >= start).sort((a, b) => a.time - b.time);
    this.markers = markers.length > PROTOCOL_LIMITS.markers ? markers.slice(markers.length - PROTOCOL_LIMITS.markers) : markers;
  }

  /** The series a chart id holds, minus none (hidden ones are filtered by the view). */
  seriesOfChart(chart: string): SeriesDescriptor[] {
    return this.catalog.filter((d) => d.chart === chart);
  }

  /** Chart ids in catalog order. */
  chartIds(): string[] {
    return [...new Set(this.catalog.map((d) => d.chart))];
  }

  /**
   * The left edge of the charts: the range's start, but no earlier than the first sample, so a
   * session younger than the range fills the width instead of hugging the right edge (a minute at least).
   */
  rangeStart(): number {
    // Asked by every chart, marker pass and axis label of a redraw; the points change only on a
    // hydration or a tick, so the walk over every series is done once per change.
    const cached = this.rangeStartCache;
    if (cached && cached.now === this.now && cached.range === this.state.range && cached.version === this.pointsVersion) return cached.start;
    const first = Math.min(this.earliestPoint(), this.now - MIN_VISIBLE_SPAN_MS);
    const start = this.state.range === 'session' ? first : Math.max(this.now - TIME_RANGE_MS[this.state.range], first);
    this.rangeStartCache = { now: this.now, range: this.state.range, version: this.pointsVersion, start };
    return start;
  }

  /** Counts hydrations and ticks: what rangeStart's cache depends on besides the clock and range. */
  private pointsVersion = 0;
  private rangeStartCache: { now: number; range: DashboardViewState['range']; version: number; start: number } | undefined;

  private earliestPoint(): number {
    let first = this.now;
    for (const bySeries of this.points.values()) {
      for (const points of bySeries.values()) if (points.length && points[0]!.x < first) first = points[0]!.x;
    }
    return first;
  }

  /** The descriptor of a series key. */
  descriptor(key: string): SeriesDescriptor | undefined {
    return this.catalog.find((d) => d.key === key);
  }

  private fold(points: ChartPoint[], time: number, value: number): void {
    const last = points[points.length - 1];
    if (last && time < last.x) return; // out of order: the host never sends it, a stale tick could
    if (last && Math.floor(last.x / this.bucketMs) === Math.floor(time / this.bucketMs) && last.count > 0) {
      last.sum += value;
      last.count++;
      last.y = last.sum / last.count;
      last.max = Math.max(last.max ?? value, value);
      last.x = time;
      return;
    }
    points.push({ x: time, y: value, max: value, sum: value, count: 1 });
  }

  /** Drops points left of the range (keeping one, so lines enter from the edge) and bounds the session range. */
  private trim(): void {
    const start = this.state.range === 'session' ? Number.NEGATIVE_INFINITY : this.now - TIME_RANGE_MS[this.state.range];
    for (const bySeries of this.points.values()) {
      for (const points of bySeries.values()) {
        let drop = 0;
        while (drop + 1 < points.length && points[drop + 1]!.x < start) drop++;
        drop = Math.max(drop, points.length - PROTOCOL_LIMITS.pointsPerSeries);
        if (drop > 0) points.splice(0, drop);
      }
    }
    const markerStart = Number.isFinite(start) ? start : Number.NEGATIVE_INFINITY;
    if (this.markers.length && this.markers[0]!.time < markerStart) this.markers = this.markers.filter((m) => m.time >= markerStart);
  }
}
