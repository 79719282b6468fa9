/**
 * A chart.js dataset controller that draws several lines from one dataset. chart.js resolves every
 * dataset's options through its proxy chain on every `update()` (its config caches are cleared each
 * time), which costs far more than drawing: ten processes as ten datasets made one live update of
 * six charts take 10-16 ms, almost all of it option resolution (bench/dashboardRender.bench.ts).
 * One dataset per chart pays that once; the points of all lines are concatenated, each line is a
 * range of them with its own colour and dash, and chart.js still does scales, hover, tooltips.
 *
 * Registered through chart.js's public extension point (a controller registered with
 * `Chart.register`, declared in ChartTypeRegistry), not by patching chart.js.
 */
import { LineController, LineElement, type ChartMeta, type PointElement, type Scale, type UpdateMode } from 'chart.js';
import { lineIndexAt, type LineRange } from './lineRanges';

/** The extra dataset property the controller reads. */
export interface MultiLineDatasetExtension {
  /** Lines in drawing order; their ranges tile the data in order. */
  lines: readonly LineRange[];
  /**
   * The y values' range over the points inside the x axis's bounds, when whoever filled the data
   * measured it on the way (ChartCard does, while copying the points): chart.js would otherwise
   * walk every point again through a closure per point to find it, on every update.
   */
  yRange?: { min: number; max: number };
}

declare module 'chart.js' {
  interface ChartTypeRegistry {
    multiLine: ChartTypeRegistry['line'];
  }
}

/** Radius of the dot drawn on a hovered point, in the line's colour. */
const HOVER_RADIUS = 3;

/** Draws `dataset.lines` as separate lines of one dataset. */
export class MultiLineController extends LineController {
  static override id = 'multiLine';
  static override defaults = { ...LineController.defaults };
  // The line chart's defaults for scales (chart.js reads `overrides` off the registered class).
  static overrides = (LineController as unknown as { overrides: unknown }).overrides;

  /**
   * One LineElement per line, kept across updates with its points array, which is refilled in
   * place: a live update of six charts would otherwise leave ~60 elements and ~50,000 array slots
   * of garbage every second.
   */
  private lineElements: LineElement[] = [];

  override parse(start: number, count: number): void {
    super.parse(start, count);
    // The concatenated lines are not sorted by x as a whole: chart.js must not binary-search them
    // for hover or clip them to a visible index range.
    (this._cachedMeta as ChartMeta & { _sorted: boolean })._sorted = false;
  }

  protected override getMinMax(scale: Scale, canStack?: boolean): { min: number; max: number } {
    const measured = (this.getDataset() as unknown as Partial<MultiLineDatasetExtension>).yRange;
    return scale.axis === 'y' && measured ? { min: measured.min, max: measured.max } : super.getMinMax(scale, canStack);
  }

  override update(mode: UpdateMode): void {
    super.update(mode);
    this.refreshLines();
  }

  /**
   * A live redraw's share of update() (see LiveRedraw.ts): element counts follow the data, points
   * move to the scales' current pixels, lines take their ranges; options stay as the last update
   * resolved them. What LineController.updateElements computes per point, without its option and
   * animation machinery: returns false when there is nothing to copy options from (no update yet).
   */
  refreshPoints(): boolean {
    const meta = this._cachedMeta;
    const shared = (meta.data[0] as PointElement | undefined)?.options;
    this.buildOrUpdateElements(false);
    const points = meta.data as PointElement[];
    const data = this.getDataset().data as unknown as readonly { x: number; y: number | null }[];
    const x = meta.iScale!;
    const y = meta.vScale!;
    if (!shared && points.length) return false;
    for (let i = 0; i < points.length; i++) {
      const point = points[i]! as PointElement & { skip: boolean };
      const value = data[i]!;
      point.x = x.getPixelForValue(value.x);
      point.y = y.getPixelForValue(value.y as number);
      point.skip = Number.isNaN(point.x) || Number.isNaN(point.y);
      // Elements added since the last update: the points' options are shared (chart.js's $shared).
      point.options ??= shared!;
    }
    this.refreshLines();
    return true;
  }

  /** Gives each line its range of the points and its colour, dash and width. */
  private refreshLines(): void {
    const meta = this._cachedMeta;
    const points = meta.data as PointElement[];
    const base = (meta.dataset as LineElement | undefined)?.options ?? {};
    const lines = (this.getDataset() as unknown as Partial<MultiLineDatasetExtension>).lines ?? [];
    this.lineElements.length = Math.min(this.lineElements.length, lines.length);
    lines.forEach((line, i) => {
      const element = (this.lineElements[i] ??= new LineElement({} as ConstructorParameters<typeof LineElement>[0]));
      const own = (element.points as PointElement[] | undefined) ?? [];
      own.length = line.count;
      for (let k = 0; k < line.count; k++) own[k] = points[line.start + k]!;
      element.points = own; // the setter drops the element's cached path and segments
      element.options = { ...base, borderColor: line.color, borderDash: [...line.dash], borderWidth: line.width, segment: undefined } as unknown as LineElement['options'];
    });
  }

  override draw(): void {
    const ctx = this.chart.ctx;
    // The lines' paths, stroked under one save/restore: LineElement.draw wraps each line in its
    // own and strokes it through a new Path2D, which is most of what sixty lines a second cost.
    ctx.save();
    for (const element of this.lineElements) {
      const o = element.options;
      if (!element.points.length || !o.borderWidth) continue;
      ctx.lineCap = o.borderCapStyle;
      ctx.lineJoin = o.borderJoinStyle;
      ctx.lineDashOffset = o.borderDashOffset;
      ctx.lineWidth = o.borderWidth;
      ctx.strokeStyle = o.borderColor as string;
      ctx.setLineDash(o.borderDash);
      ctx.beginPath();
      if (element.path(ctx)) ctx.closePath();
      ctx.stroke();
    }
    ctx.restore();
    // Hovered points: a dot in their own line's colour (the shared point options have one colour).
    const lines = (this.getDataset() as unknown as Partial<MultiLineDatasetExtension>).lines ?? [];
    const points = this._cachedMeta.data as PointElement[];
    ctx.save();
    for (const active of this.chart.getActiveElements()) {
      if (active.datasetIndex !== this.index) continue;
      const point = points[active.index];
      const line = lines[lineIndexAt(lines, active.index) ?? -1];
      if (!point || !line || point.skip) continue;
      ctx.fillStyle = line.color;
      ctx.beginPath();
      ctx.arc(point.x, point.y, HOVER_RADIUS, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.restore();
  }
}
