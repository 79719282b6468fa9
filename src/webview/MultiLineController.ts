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
import { LineController, LineElement, type ChartMeta, type PointElement, type UpdateMode } from 'chart.js';
import type { LineRange } from './lineRanges';

/** The extra dataset property the controller reads. */
export interface MultiLineDatasetExtension {
  /** Lines in drawing order; their ranges tile the data in order. */
  lines: readonly LineRange[];
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

  /** One LineElement per line, rebuilt on every update (they only hold references to points). */
  private lineElements: LineElement[] = [];

  override parse(start: number, count: number): void {
    super.parse(start, count);
    // The concatenated lines are not sorted by x as a whole: chart.js must not binary-search them
    // for hover or clip them to a visible index range.
    (this._cachedMeta as ChartMeta & { _sorted: boolean })._sorted = false;
  }

  override update(mode: UpdateMode): void {
    super.update(mode);
    const meta = this._cachedMeta;
    const points = meta.data as PointElement[];
    const base = (meta.dataset as LineElement | undefined)?.options ?? {};
    const lines = (this.getDataset() as unknown as Partial<MultiLineDatasetExtension>).lines ?? [];
    this.lineElements = lines.map(
      (line) =>
        new LineElement({
          points: points.slice(line.start, line.start + line.count),
          options: { ...base, borderColor: line.color, borderDash: [...line.dash], borderWidth: line.width, segment: undefined },
        } as unknown as ConstructorParameters<typeof LineElement>[0]),
    );
  }

  override draw(): void {
    const ctx = this.chart.ctx;
    const area = this.chart.chartArea;
    for (const line of this.lineElements) line.draw(ctx, area);
    // Hovered points: a dot in their own line's colour (the shared point options have one colour).
    const lines = (this.getDataset() as unknown as Partial<MultiLineDatasetExtension>).lines ?? [];
    const points = this._cachedMeta.data as PointElement[];
    ctx.save();
    lines.forEach((line) => {
      for (let i = line.start; i < line.start + line.count; i++) {
        const point = points[i] as (PointElement & { active?: boolean }) | undefined;
        if (!point?.active || point.skip) continue;
        ctx.fillStyle = line.color;
        ctx.beginPath();
        ctx.arc(point.x, point.y, HOVER_RADIUS, 0, 2 * Math.PI);
        ctx.fill();
      }
    });
    ctx.restore();
  }
}
