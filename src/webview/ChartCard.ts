/**
 * One chart card: a title with the newest value, a legend, a chart.js line chart of every visible
 * process x series of the card, markers, and a Save PNG action. chart.js is tree-shaken: only the
 * line controller, its elements, the linear scale and the tooltip are registered; the x axis is
 * linear in epoch milliseconds with our own tick labels, so no date adapter is needed.
 */
import { Chart, LinearScale, LineElement, PointElement, Tooltip, type ChartDataset, type Plugin, type TooltipItem } from 'chart.js';
import type { ChartPoint, DashboardStore } from './DashboardStore';
import { formatClock, formatValue } from './formatValue';
import { concatenateLines, lineIndexAt } from './lineRanges';
import { LiveRedraw } from './LiveRedraw';
import { MultiLineController, type MultiLineDatasetExtension } from './MultiLineController';
import { UniformLinearScale } from './UniformLinearScale';
import { MARKER_KINDS, type ChartMarker, type SeriesDescriptor, type SeriesUnit } from './protocol';
import type { ChartTheme } from './themeColors';

Chart.register(MultiLineController, LineElement, PointElement, LinearScale, UniformLinearScale, Tooltip);

/** Dash patterns that tell apart series of one chart when colours stand for processes. */
const DASHES: readonly number[][] = [[], [6, 3], [2, 2], [8, 3, 2, 3]];

/** How often the title value and the canvas's accessible summary are refreshed. */
const SUMMARY_INTERVAL_MS = 2_000;

/** The chart's one dataset: every line's points, concatenated (see MultiLineController). */
type LinesDataset = ChartDataset<'multiLine', ChartPoint[]> & MultiLineDatasetExtension;

/** What one line plots and how it looks; its points are the store's live array. */
interface PlottedLine {
  readonly label: string;
  readonly processKey: string;
  readonly seriesKey: string;
  readonly points: ChartPoint[];
  readonly color: string;
  readonly dash: readonly number[];
  readonly width: number;
}

/** Height of the triangle that marks a major GC on the plot's bottom edge. */
const GC_GLYPH_PX = 6;
/** How close (px) the pointer must be to a marker for the tooltip to name it. */
const MARKER_HOVER_PX = 4;

/** What the marker kinds are called in legends, tooltips and the accessible summary. */
const MARKER_NAMES: Readonly<Record<ChartMarker['kind'], string>> = { alert: 'alert', leakOnset: 'leak onset', majorGc: 'major GC' };

/** The text glyph of a marker kind in tooltips (the canvas draws lines and triangles). */
function markerGlyph(kind: ChartMarker['kind']): string {
  return kind === 'majorGc' ? '▲' : kind === 'alert' ? '⚠' : '↗';
}

/**
 * Draws the markers: alerts and leak onsets as dashed vertical lines across the plot, major GCs
 * (frequent in a busy process) as small triangles on its bottom edge, so they do not hide the lines.
 */
function markerPlugin(card: ChartCard): Plugin<'multiLine'> {
  return {
    id: 'processVitalsMarkers',
    afterDatasetsDraw(chart) {
      const markers = card.visibleMarkers();
      if (!markers.length) return;
      const { ctx, chartArea, scales } = chart;
      const x = scales.x!;
      ctx.save();
      ctx.lineWidth = card.theme.highContrast ? 2 : 1;
      // One path per kind (hundreds of GCs are one fill, not hundreds), built in one pass.
      const paths = new Map<ChartMarker['kind'], Path2D>();
      for (const marker of markers) {
        const px = x.getPixelForValue(marker.time);
        if (px < chartArea.left || px > chartArea.right) continue;
        let path = paths.get(marker.kind);
        if (!path) paths.set(marker.kind, (path = new Path2D()));
        if (marker.kind === 'majorGc') {
          // No closePath: fill() closes every subpath itself, and the call costs as much as the lines.
          path.moveTo(px, chartArea.bottom - GC_GLYPH_PX);
          path.lineTo(px + GC_GLYPH_PX / 2, chartArea.bottom);
          path.lineTo(px - GC_GLYPH_PX / 2, chartArea.bottom);
        } else {
          path.moveTo(px, chartArea.top);
          path.lineTo(px, chartArea.bottom);
        }
      }
      for (const kind of MARKER_KINDS) {
        const path = paths.get(kind);
        if (!path) continue;
        const color = card.theme.markers[kind];
        if (kind === 'majorGc') {
          ctx.fillStyle = color;
          ctx.fill(path);
        } else {
          ctx.strokeStyle = color;
          ctx.setLineDash(kind === 'alert' ? [4, 3] : [1, 3]);
          ctx.stroke(path);
        }
      }
      ctx.restore();
    },
  };
}

/** Tick spacing per visible span, so labels land on round clock times. */
function xStepFor(spanMs: number): number {
  const steps = [10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000];
  return steps.find((s) => spanMs / s <= 6) ?? 43_200_000;
}

/** One chart of the dashboard. */
export class ChartCard {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly titleValue: HTMLElement;
  private readonly legend: HTMLElement;
  /** Which series the chart shows when it cannot show all: outside the legend, which scrolls. */
  private readonly legendNote: HTMLElement;
  /** Which marker kinds the chart shows, with their colours (hidden when it shows none). */
  private readonly markerKey: HTMLElement;
  private markerKeyText = '';
  private readonly plot: HTMLElement;
  private readonly chart: Chart<'multiLine', ChartPoint[]>;
  private readonly dataset: LinesDataset;
  /** Redraws after a tick without chart.update() when the layout cannot have changed. */
  readonly live = new LiveRedraw();
  /** The lines drawn, in dataset order; rebuilt when the structure changes. */
  private plotted: PlottedLine[] = [];
  private structureVersion = -1;
  private summaryAt = Number.NEGATIVE_INFINITY;
  private summaryVersion = -1;
  /** The point count last written to `data-points` (tests and the bench read it). */
  private pointsShown = -1;
  private unit: SeriesUnit = 'count';
  /** Whether the card is on screen (charts off screen are not redrawn until they scroll in). */
  onScreen = true;
  /** Whether data changed while off screen. */
  dirty = true;

  constructor(
    readonly id: string,
    private title: string,
    private readonly store: DashboardStore,
    public theme: ChartTheme,
    private readonly onSavePng: (title: string, dataUrl: string) => void,
  ) {
    this.element = document.createElement('section');
    this.element.className = 'pv-chart';
    this.element.dataset.chart = id;
    this.element.setAttribute('aria-label', `${title} chart`);
    const header = document.createElement('header');
    header.className = 'pv-chart-header';
    const heading = document.createElement('h3');
    heading.textContent = title;
    this.titleValue = document.createElement('span');
    this.titleValue.className = 'pv-chart-value';
    const save = document.createElement('vscode-button');
    save.setAttribute('icon', 'device-camera');
    save.setAttribute('secondary', '');
    save.setAttribute('title', `Save the ${title} chart as PNG`);
    save.setAttribute('aria-label', `Save the ${title} chart as PNG`);
    save.className = 'pv-icon-button';
    save.addEventListener('click', () => this.savePng());
    header.append(heading, this.titleValue, save);
    this.legend = document.createElement('ul');
    this.legend.className = 'pv-legend';
    this.legend.setAttribute('aria-label', `${title} legend`);
    this.legendNote = document.createElement('p');
    this.legendNote.className = 'pv-legend-note';
    this.legendNote.hidden = true;
    this.plot = document.createElement('div');
    this.plot.className = 'pv-chart-plot';
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    this.plot.append(this.canvas);
    this.markerKey = document.createElement('p');
    this.markerKey.className = 'pv-marker-key';
    this.markerKey.hidden = true;
    this.element.append(header, this.legend, this.legendNote, this.markerKey, this.plot);

    this.dataset = { data: [], lines: [], pointRadius: 0, borderWidth: 1.5 };
    this.chart = new Chart<'multiLine', ChartPoint[]>(this.canvas, {
      type: 'multiLine',
      data: { datasets: [this.dataset] },
      plugins: [markerPlugin(this), this.live.plugin],
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        spanGaps: true,
        events: ['mousemove', 'mouseout', 'click', 'touchstart', 'touchmove'],
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        elements: { point: { radius: 0, hoverRadius: 3, hitRadius: 4 }, line: { borderWidth: 1.5, tension: 0 } },
        scales: {
          x: {
            type: 'uniformLinear',
            // No auto-skipping (it measures every label on every update): xStepFor already keeps
            // the labels to six at most, and maxTicksLimit keeps the y axis to five.
            ticks: { maxRotation: 0, autoSkip: false, callback: (value) => formatClock(Number(value), this.spanMs() < 600_000) },
            grid: { drawTicks: false },
          },
          y: {
            type: 'uniformLinear',
            beginAtZero: true,
            ticks: { maxTicksLimit: 5, autoSkip: false, callback: (value) => formatValue(Number(value), this.unit) },
          },
        },
        plugins: {
          tooltip: {
            callbacks: {
              title: (items) => (items[0] ? formatClock(items[0].parsed.x ?? 0) : ''),
              label: (item) => this.tooltipLabel(item),
              // Markers within a few pixels of the hovered time, named under the values.
              afterBody: (items) => this.markersNear(items[0]?.parsed.x ?? Number.NaN).map((m) => `${markerGlyph(m.kind)} ${m.label}`),
              labelColor: (item) => {
                const color = this.lineAt(item.dataIndex)?.color ?? this.theme.foreground;
                return { borderColor: color, backgroundColor: color };
              },
            },
          },
        },
      },
    });
    this.applyTheme(theme);
  }

  /** Re-colours the chart for a new theme. */
  applyTheme(theme: ChartTheme): void {
    this.theme = theme;
    const options = this.chart.options;
    for (const axis of ['x', 'y'] as const) {
      const scale = options.scales![axis]!;
      scale.ticks!.color = theme.mutedForeground;
      scale.grid!.color = theme.grid;
      // The axis line is drawn by UniformLinearScale with the grid, in its colour.
      scale.border = { display: false };
    }
    const tooltip = options.plugins!.tooltip!;
    tooltip.backgroundColor = theme.tooltipBackground;
    tooltip.titleColor = theme.tooltipForeground;
    tooltip.bodyColor = theme.tooltipForeground;
    tooltip.borderColor = theme.tooltipBorder;
    tooltip.borderWidth = 1;
    this.structureVersion = -1; // dataset colours come from the theme too
    this.markerKeyText = ''; // so are the marker key's swatches
    this.dirty = true;
  }

  /** Redraws from the store if the card is on screen; returns the number of points plotted. */
  render(): number {
    if (!this.onScreen) {
      this.dirty = true;
      return this.pointCount();
    }
    this.dirty = false;
    if (this.structureVersion !== this.store.structureVersion) {
      this.rebuildDatasets();
      this.live.invalidate(); // colours, units and dashes live in the options a live redraw keeps
    }
    const x = this.chart.options.scales!.x!;
    const start = this.store.rangeStart();
    const bounds = { min: start, max: this.store.now, stepSize: xStepFor(this.store.now - start) };
    // The options, for chart.js's next full update; a live redraw moves the scale itself.
    x.min = bounds.min;
    x.max = bounds.max;
    (x.ticks as { stepSize?: number }).stepSize = bounds.stepSize;
    this.syncLineData(bounds.min, bounds.max);
    this.live.redraw(this.chart, bounds);
    const points = this.pointCount();
    // An attribute write invalidates style: only when the count changed (a bucket opened or left).
    if (points !== this.pointsShown) {
      this.pointsShown = points;
      this.element.dataset.points = String(points);
    }
    // Screen readers do not need a new label every second; recomputing it costs a redraw's tenth.
    const now = performance.now();
    if (now - this.summaryAt > SUMMARY_INTERVAL_MS || this.summaryVersion !== this.structureVersion) {
      this.summaryAt = now;
      this.summaryVersion = this.structureVersion;
      this.updateSummary();
    }
    return points;
  }

  /** Markers of the shown processes inside the range (the store's, shared by every chart). */
  visibleMarkers(): ChartMarker[] {
    return this.store.visibleMarkers();
  }

  /** Visible markers within MARKER_HOVER_PX of a time on the x axis. */
  private markersNear(time: number): ChartMarker[] {
    const x = this.chart.scales.x;
    if (!x || !Number.isFinite(time)) return [];
    const px = x.getPixelForValue(time);
    return this.visibleMarkers()
      .filter((m) => Math.abs(x.getPixelForValue(m.time) - px) <= MARKER_HOVER_PX)
      .slice(-5);
  }

  private spanMs(): number {
    return this.store.now - this.store.rangeStart();
  }

  private pointCount(): number {
    return this.dataset.data.length;
  }

  /**
   * Copies the lines' current points into the dataset (the store appends, folds and trims them in
   * place). The same array is rewritten by index: chart.js intercepts push and splice on a dataset's
   * array and replays each, and a new array makes it clear stacks point by point; assignment by
   * index does neither, and `update()` re-reads the array whole anyway (parsing is off). The y range
   * of the points inside the x bounds comes back from the same pass (MultiLineController uses it).
   */
  private syncLineData(xMin: number, xMax: number): void {
    const { ranges, yRange } = concatenateLines(this.plotted, this.dataset.data, xMin, xMax);
    this.dataset.lines = ranges;
    this.dataset.yRange = yRange;
  }

  private lineAt(dataIndex: number): PlottedLine | undefined {
    const index = lineIndexAt(this.dataset.lines, dataIndex);
    return index === undefined ? undefined : this.plotted[index];
  }

  private visibleSeries(): SeriesDescriptor[] {
    const hidden = new Set(this.store.state.hiddenSeries);
    return this.store.seriesOfChart(this.id).filter((d) => !hidden.has(d.key));
  }

  private rebuildDatasets(): void {
    this.structureVersion = this.store.structureVersion;
    const visible = this.visibleSeries();
    this.unit = visible[0]?.unit ?? this.store.seriesOfChart(this.id)[0]?.unit ?? 'count';
    const focus = this.store.state.focusKey;
    // One process: every series of the chart, a colour each. All processes: the chart's first
    // visible series, a colour per process (ten processes x three heap series is unreadable).
    const series = focus === null ? visible.slice(0, 1) : visible;
    const rows = [...this.store.rows.values()].filter((r) => focus === null || r.key === focus);
    const plotted: PlottedLine[] = [];
    const legend: { label: string; color: string; dashed: boolean }[] = [];
    const palette = this.theme.palette;
    for (const row of rows) {
      const bySeries = this.store.points.get(row.key);
      series.forEach((d, seriesIndex) => {
        const data = bySeries?.get(d.key);
        if (!data) return;
        const color = focus !== null ? palette[seriesIndex % palette.length]! : this.colorOfProcess(row.key);
        // Past the palette's length (many processes), lines repeat a colour with a dash pattern.
        const dashIndex = Math.floor((focus !== null ? seriesIndex : [...this.store.rows.keys()].indexOf(row.key)) / palette.length);
        const dash = DASHES[dashIndex % DASHES.length]!;
        plotted.push({
          label: focus !== null ? d.label : `${row.name} ${row.pid}`,
          points: data,
          processKey: row.key,
          seriesKey: d.key,
          color,
          dash,
          width: this.theme.highContrast ? 2.5 : 1.5,
        });
        legend.push({ label: focus !== null ? d.label : `${row.name} ${row.pid}`, color, dashed: dash.length > 0 });
      });
    }
    this.plotted = plotted;
    this.syncLineData(this.store.rangeStart(), this.store.now);
    const note = focus === null && visible.length > 1 ? `${visible[0]!.label} shown; select a process for ${visible.slice(1).map((d) => d.label).join(', ')}.` : undefined;
    this.renderLegend(legend, visible.length === 0, note);
  }

  /** The colour of a process line: stable per process (its index among rows sorted by start). */
  colorOfProcess(processKey: string): string {
    const keys = [...this.store.rows.keys()];
    const index = Math.max(0, keys.indexOf(processKey));
    return this.theme.palette[index % this.theme.palette.length]!;
  }

  private renderLegend(entries: { label: string; color: string; dashed: boolean }[], allHidden: boolean, note: string | undefined): void {
    const items: HTMLElement[] = entries.slice(0, 24).map((entry) => {
      const li = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = entry.dashed ? 'pv-swatch pv-swatch-dashed' : 'pv-swatch';
      swatch.style.borderColor = entry.color;
      li.append(swatch, document.createTextNode(entry.label));
      return li;
    });
    if (!items.length) {
      const li = document.createElement('li');
      li.className = 'pv-muted';
      li.textContent = allHidden ? 'All series of this chart are switched off.' : 'No data yet.';
      items.push(li);
    }
    this.legendNote.textContent = note ?? '';
    this.legendNote.hidden = !note;
    this.legend.replaceChildren(...items);
  }

  private tooltipLabel(item: TooltipItem<'multiLine'>): string {
    const line = this.lineAt(item.dataIndex);
    const point = item.raw as ChartPoint;
    const descriptor = line ? this.store.descriptor(line.seriesKey) : undefined;
    const unit = descriptor?.unit ?? this.unit;
    const value = formatValue(point.y, unit);
    const bucketed = point.count > 1 || (point.max !== null && point.max !== point.y);
    const label = this.store.state.focusKey === null ? `${line?.label ?? ''} ${descriptor?.label ?? ''}` : line?.label ?? '';
    return `${label}: ${value}${bucketed ? ` (max ${formatValue(point.max, unit)})` : ''}`;
  }

  /** The newest value in the title and a text summary for screen readers. */
  private updateSummary(): void {
    const series = this.visibleSeries();
    const focus = this.store.state.focusKey;
    const first = series[0];
    let summary = `${this.title}: `;
    if (first && focus !== null) {
      const parts = series.map((d) => `${d.label} ${formatValue(this.store.latest.get(focus)?.get(d.key), d.unit) || 'no data'}`);
      this.titleValue.textContent = formatValue(this.store.latest.get(focus)?.get(first.key), first.unit);
      summary += parts.join(', ');
    } else if (first) {
      let total = 0;
      let seen = 0;
      for (const key of this.store.rows.keys()) {
        const v = this.store.latest.get(key)?.get(first.key);
        if (v !== undefined) {
          total += v;
          seen++;
        }
      }
      // Summing is meaningful for CPU, memory, handles; a sum of delays or ratios is not.
      const additive = first.unit === 'percent' || first.unit === 'bytes' || first.unit === 'count' || first.unit === 'perSecond';
      this.titleValue.textContent = seen && additive ? `${formatValue(total, first.unit)} total` : '';
      summary += seen ? `${seen} processes${additive ? `, ${formatValue(total, first.unit)} in total` : ''}` : 'no data yet';
    } else {
      this.titleValue.textContent = '';
      summary += 'no series shown';
    }
    this.canvas.setAttribute('aria-label', `${summary}. Time range ${this.store.state.range}.${this.describeMarkers()}`);
  }

  /** Counts the visible markers by kind for the accessible summary, and shows their key. */
  private describeMarkers(): string {
    const markers = this.visibleMarkers();
    const counts = new Map<ChartMarker['kind'], number>();
    for (const m of markers) counts.set(m.kind, (counts.get(m.kind) ?? 0) + 1);
    const parts = [...counts].map(([kind, n]) => `${n} ${MARKER_NAMES[kind]}${n === 1 ? '' : 's'}`);
    const text = parts.join(', ');
    if (text !== this.markerKeyText) {
      this.markerKeyText = text;
      this.markerKey.hidden = counts.size === 0;
      this.markerKey.replaceChildren(
        ...[...counts].map(([kind, n]) => {
          const item = document.createElement('span');
          const swatch = document.createElement('span');
          swatch.className = `pv-marker-swatch pv-marker-${kind}`;
          if (kind === 'majorGc') swatch.style.borderBottomColor = this.theme.markers[kind];
          else swatch.style.borderLeftColor = this.theme.markers[kind];
          item.append(swatch, document.createTextNode(`${n} ${MARKER_NAMES[kind]}${n === 1 ? '' : 's'}`));
          return item;
        }),
      );
    }
    const newest = markers[markers.length - 1];
    return parts.length ? ` Markers: ${text}; newest: ${newest!.label}.` : '';
  }

  private savePng(): void {
    // The canvas is transparent: paint the editor background under it so the PNG reads anywhere.
    const copy = document.createElement('canvas');
    copy.width = this.canvas.width;
    copy.height = this.canvas.height;
    const ctx = copy.getContext('2d');
    if (!ctx) return;
    ctx.fillStyle = this.theme.background;
    ctx.fillRect(0, 0, copy.width, copy.height);
    ctx.drawImage(this.canvas, 0, 0);
    this.onSavePng(this.title, copy.toDataURL('image/png'));
  }

  /** Renames the card (a new series changed its chart title). */
  setTitle(title: string): void {
    this.title = title;
    this.element.querySelector('h3')!.textContent = title;
  }

  dispose(): void {
    this.chart.destroy();
    this.element.remove();
  }
}
