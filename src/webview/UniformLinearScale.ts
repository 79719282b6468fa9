/**
 * A linear scale for options that are the same for every tick: it draws its grid lines, tick marks
 * and axis line as one canvas path, and its labels with one font and colour. chart.js's own
 * `drawGrid` and `drawLabels` resolve the grid, border and tick options once per tick (they may be
 * scriptable) and wrap every line and label in its own save/restore; with six charts redrawn every
 * second that was an eighth of a live update (bench/dashboardRender.bench.ts). The dashboard's
 * options are plain values, so one resolution draws the same picture.
 *
 * Registered through chart.js's public extension point (`Chart.register`, a scale type in
 * CartesianScaleTypeRegistry), like MultiLineController. Whatever it does not draw the same way
 * (positions other than bottom and left, offset grids, a separately styled axis line, rotated,
 * mirrored, multi-line or backdropped labels) is left to chart.js. Scriptable grid or tick options
 * would be drawn with their value for the scale as a whole, so it is for options that do not vary
 * per tick, as the dashboard's do not.
 */
import { LinearScale, type ChartArea } from 'chart.js';
import { _addGrace, _alignPixel, toFont } from 'chart.js/helpers';

declare module 'chart.js' {
  interface CartesianScaleTypeRegistry {
    uniformLinear: CartesianScaleTypeRegistry['linear'];
  }
}

/** The bounds a live refresh moves the x axis to (the clock moved). */
export interface LiveBounds {
  readonly min: number;
  readonly max: number;
  readonly stepSize: number;
}

/**
 * chart.js 4's scale state that Scale.update keeps between its steps (core.scale.js): the user's
 * bounds parsed from the options, the range with grace, and the caches of label sizes and of grid
 * and label items that its draw methods fill from the ticks.
 */
interface ScaleState {
  _userMin: number | undefined;
  _userMax: number | undefined;
  _range: { min: number; max: number } | undefined;
  _labelSizes: unknown;
  _gridLineItems: unknown;
  _labelItems: unknown;
}

export class UniformLinearScale extends LinearScale {
  static override id = 'uniformLinear';
  static override defaults = LinearScale.defaults;

  /**
   * Moves the scale to new data (and, given `bounds`, to new user bounds) without a layout: the
   * steps of Scale.update between sizing the box and fitting it (data limits, grace, ticks, labels,
   * pixel mapping), so a live redraw (LiveRedraw.ts) costs no option resolution or layout. The
   * box keeps its size and place; the caller checks with layoutKey() that a full update would have
   * kept them too. The scale's plugin and option hooks (beforeBuildTicks and the like) are not
   * called: the dashboard uses none.
   */
  refreshWithoutLayout(bounds?: LiveBounds): void {
    const state = this as unknown as ScaleState;
    if (bounds) {
      state._userMin = bounds.min;
      state._userMax = bounds.max;
      // buildTicks reads them from the options, which chart.js resolved at the last update and
      // caches: a write through the resolver updates its cache and the options it resolved from.
      const options = this.options as unknown as { min: number; max: number; ticks: { stepSize: number } };
      options.min = bounds.min;
      options.max = bounds.max;
      options.ticks.stepSize = bounds.stepSize;
    }
    this.determineDataLimits();
    state._range = _addGrace(this, this.options.grace ?? 0, this.options.beginAtZero);
    const ticks = this.buildTicks();
    this.generateTickLabels(ticks);
    // As Scale._convertTicksToLabels: a tick whose callback gave no label is not a tick.
    this.ticks = ticks.filter((tick) => tick.label !== null && tick.label !== undefined);
    this.configure();
    state._labelSizes = null;
    state._gridLineItems = null;
    state._labelItems = null;
  }

  /**
   * What of this scale's ticks chart.js's layout depends on, or undefined when that is more than
   * this can tell. A left axis is as wide as its widest label, so every label counts. A bottom axis
   * with unrotated one-line labels is as tall as one line whatever they say; what it asks of the
   * plot's sides is half its first and last labels' widths, as long as those sit at its ends
   * (Scale._calculatePadding; the dashboard's x axis has ticks at its bounds, includeBounds).
   */
  layoutKey(): string | undefined {
    const labels = this.ticks.map((t) => t.label);
    if (!labels.every((l): l is string => typeof l === 'string')) return undefined;
    if (this.options.position === 'left') return labels.join('\n');
    if (this.options.position !== 'bottom' || this.labelRotation !== 0 || labels.length === 0) return undefined;
    const first = this.ticks[0]!.value;
    const last = this.ticks[this.ticks.length - 1]!.value;
    if (first !== this.min || last !== this.max) return undefined;
    const ctx = this.ctx;
    ctx.save();
    ctx.font = this.tickFont().string;
    const key = `${ctx.measureText(labels[0]!).width}|${ctx.measureText(labels[labels.length - 1]!).width}`;
    ctx.restore();
    return key;
  }

  override drawGrid(chartArea: ChartArea): void {
    if (!this.gridDrawnHere()) {
      super.drawGrid(chartArea);
      return;
    }
    const { grid, position } = this.options;
    const chart = this.chart;
    const ctx = this.ctx;
    const width = grid.lineWidth as number;
    const half = width / 2;
    const tickLength = grid.drawTicks ? grid.tickLength ?? 0 : 0;
    const horizontal = position === 'bottom';
    const align = (pixel: number) => _alignPixel(chart, pixel, width);
    // Where the axis line lies and where grid lines and tick marks start and end: chart.js's
    // geometry for a bottom or left axis (Scale._computeGridLineItems), with the axis line as wide
    // as a grid line.
    const axisAt = align(horizontal ? this.top : this.right);
    const gridFrom = horizontal ? chartArea.top : align(chartArea.left) + half;
    const gridTo = horizontal ? align(chartArea.bottom) - half : chartArea.right;
    const tickFrom = horizontal ? axisAt + half : this.right - tickLength;
    const tickTo = horizontal ? this.top + tickLength : axisAt - half;
    const { _startPixel: first, _endPixel: last } = this as unknown as { _startPixel: number; _endPixel: number };
    const limit = this.options.ticks.maxTicksLimit ?? this.ticks.length;
    const step = Math.max(1, Math.ceil(this.ticks.length / limit));

    ctx.save();
    ctx.lineWidth = width;
    ctx.strokeStyle = grid.color as string;
    ctx.beginPath();
    for (let i = 0; i < this.ticks.length; i += step) {
      const pixel = this.getPixelForTick(i);
      if (pixel < Math.min(first, last) - 1e-6 || pixel > Math.max(first, last) + 1e-6) continue;
      const at = align(pixel);
      if (grid.drawOnChartArea) across(ctx, horizontal, at, gridFrom, gridTo);
      if (tickLength) across(ctx, horizontal, at, tickFrom, tickTo);
    }
    // The axis line, along the axis.
    const from = align(horizontal ? this.left : this.top) - half;
    const to = align(horizontal ? this.right : this.bottom) + half;
    across(ctx, !horizontal, axisAt, from, to);
    ctx.stroke();
    ctx.restore();
  }

  override drawLabels(chartArea: ChartArea): void {
    if (!this.labelsDrawnHere()) {
      super.drawLabels(chartArea);
      return;
    }
    const { ticks, grid, position } = this.options;
    const ctx = this.ctx;
    const font = this.tickFont();
    const padding = ticks.padding ?? 0;
    const tickLength = grid.drawTicks ? grid.tickLength ?? 0 : 0;
    const horizontal = position === 'bottom';
    ctx.save();
    // chart.js clips labels to the axis's own box (Scale._computeLabelArea).
    ctx.beginPath();
    if (horizontal) ctx.rect(0, this.top, this.chart.width, this.bottom - this.top);
    else ctx.rect(this.left, 0, this.right - this.left, this.chart.height);
    ctx.clip();
    ctx.font = font.string;
    ctx.fillStyle = ticks.color as string;
    ctx.textBaseline = 'middle';
    // Centred under a bottom axis's ticks, half a line below the tick marks; right-aligned left of
    // a left axis's ticks (chart.js's _computeLabelItems with align 'center', crossAlign 'near').
    ctx.textAlign = horizontal ? 'center' : 'right';
    const across = horizontal ? this.top + tickLength + padding + font.lineHeight / 2 : this.right - tickLength - padding;
    this.ticks.forEach((tick, i) => {
      const along = this.getPixelForTick(i);
      if (horizontal) ctx.fillText(tick.label as string, along, across);
      else ctx.fillText(tick.label as string, across, along);
    });
    ctx.restore();
  }

  /** The labels' font: the ticks' own, or (resolved as undefined) the chart's default, as chart.js does. */
  private tickFont(): ReturnType<typeof toFont> {
    return toFont((this.options.ticks.font ?? {}) as Parameters<typeof toFont>[0]);
  }

  /** Whether the labels are single lines in one font and colour, unrotated, as chart.js would place them. */
  private labelsDrawnHere(): boolean {
    const { ticks, position } = this.options;
    const plain =
      ticks.display &&
      typeof ticks.color === 'string' &&
      // No font of its own resolves to undefined: chart.js then uses the chart's default font.
      (ticks.font === undefined || typeof ticks.font === 'object') &&
      !ticks.mirror &&
      !ticks.showLabelBackdrop &&
      !ticks.textStrokeWidth &&
      (ticks.align ?? 'center') === 'center' &&
      (ticks.crossAlign ?? 'near') === 'near' &&
      !ticks.labelOffset;
    return Boolean(plain) && this.labelRotation === 0 && (position === 'bottom' || position === 'left') && this.ticks.every((t) => typeof t.label === 'string');
  }

  /**
   * Whether this scale draws its grid itself: plain (not per-tick) colour and width, a bottom or
   * left position, no offset grid, and chart.js's own axis line switched off (`border.display`
   * false: the line is drawn here, in the grid's colour).
   */
  private gridDrawnHere(): boolean {
    const { grid, border, position } = this.options;
    const plainColor = typeof grid.color === 'string' && (grid.tickColor === undefined || grid.tickColor === grid.color);
    const plainWidth = typeof grid.lineWidth === 'number' && (grid.tickWidth === undefined || grid.tickWidth === grid.lineWidth);
    return Boolean(grid.display) && !grid.offset && !border.display && plainColor && plainWidth && (position === 'bottom' || position === 'left');
  }
}

/** Adds a line across a horizontal (bottom) axis at x = `at`, or across a vertical one at y = `at`. */
function across(ctx: CanvasRenderingContext2D, horizontal: boolean, at: number, from: number, to: number): void {
  if (horizontal) {
    ctx.moveTo(at, from);
    ctx.lineTo(at, to);
  } else {
    ctx.moveTo(from, at);
    ctx.lineTo(to, at);
  }
}
