/**
 * Redraws a dashboard chart after a live tick without `chart.update()`. A tick changes the points
 * and moves the x axis along the clock; chart.update() answers that by resolving every option again
 * (it clears its option caches first), laying the chart out again, and resolving each element's
 * options: most of a live update's cost (bench/dashboardRender.bench.ts). Here the scales rebuild
 * their ticks from the new bounds and data (UniformLinearScale.refreshWithoutLayout), the points
 * move to the new pixels (MultiLineController.refreshPoints), and the chart draws.
 *
 * That is only the picture a full update would draw when the layout would come out the same, so a
 * redraw first compares what the layout depends on (each scale's layoutKey) with what the last full
 * update used, and anything else (a pointer over the chart, an active tooltip, a chart never
 * updated, a key that differs) falls back to chart.update(). The e2e tier checks that the pixels of
 * the two paths match.
 */
import type { Chart, Plugin } from 'chart.js';
import { MultiLineController } from './MultiLineController';
import { UniformLinearScale, type LiveBounds } from './UniformLinearScale';

/** chart.js 4's record of the pointer's last event over the chart (set on mousemove, cleared on mouseout). */
interface ChartPointerState {
  _lastEvent: unknown;
}

/** The layout keys of the chart's two axes, or undefined when either cannot tell. */
function layoutKeyOf(chart: Chart): string | undefined {
  const { x, y } = chart.scales;
  if (!(x instanceof UniformLinearScale) || !(y instanceof UniformLinearScale)) return undefined;
  const xKey = x.layoutKey();
  const yKey = y.layoutKey();
  return xKey === undefined || yKey === undefined ? undefined : `${xKey}\n${yKey}`;
}

/** One chart's live redraws; its `plugin` must be among the chart's plugins. */
export class LiveRedraw {
  /** What the layout of the chart's last full update depended on; undefined: update next time. */
  private layoutKey: string | undefined;
  /** Redraws done each way since the page loaded (the bench prints them). */
  readonly counts = { live: 0, full: 0 };

  /** Records, after every update chart.js runs (ours, a resize, a theme change), what its layout used. */
  readonly plugin: Plugin = {
    id: 'processVitalsLiveRedraw',
    afterUpdate: (chart) => {
      this.layoutKey = layoutKeyOf(chart);
    },
  };

  /** The next redraw is a full update (the chart's options or datasets changed). */
  invalidate(): void {
    this.layoutKey = undefined;
  }

  /** Redraws the chart for its dataset's current points, with the x axis at `bounds`. */
  redraw(chart: Chart, bounds: LiveBounds): void {
    if (this.redrawLive(chart, bounds)) {
      this.counts.live++;
      return;
    }
    this.counts.full++;
    chart.update('none');
  }

  private redrawLive(chart: Chart, bounds: LiveBounds): boolean {
    if (this.layoutKey === undefined) return false;
    // Hover and tooltips follow the data through chart.update's event replay.
    if ((chart as unknown as ChartPointerState)._lastEvent || chart.getActiveElements().length || chart.tooltip?.getActiveElements().length) return false;
    const { x, y } = chart.scales;
    const metas = chart.getSortedVisibleDatasetMetas();
    const controller = metas.length === 1 ? metas[0]!.controller : undefined;
    if (!(x instanceof UniformLinearScale) || !(y instanceof UniformLinearScale) || !(controller instanceof MultiLineController)) return false;
    x.refreshWithoutLayout(bounds);
    y.refreshWithoutLayout(); // its data limits come from the controller's measured y range
    if (layoutKeyOf(chart) !== this.layoutKey) return false;
    if (!controller.refreshPoints()) return false;
    chart.render();
    return true;
  }
}
