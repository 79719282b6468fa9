/**
 * The lines of a multi-line dataset (MultiLineController) as ranges of its data. Kept apart from the
 * controller so it is unit-tested in plain Node without chart.js.
 */

/** One line of a multi-line dataset: `count` points from `start` of the dataset's data. */
export interface LineRange {
  readonly start: number;
  readonly count: number;
  readonly color: string;
  readonly dash: readonly number[];
  readonly width: number;
}

/** Finds the line holding a data index (ranges are ordered), or undefined. */
export function lineIndexAt(lines: readonly LineRange[], dataIndex: number): number | undefined {
  let lo = 0;
  let hi = lines.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const line = lines[mid]!;
    if (dataIndex < line.start) hi = mid - 1;
    else if (dataIndex >= line.start + line.count) lo = mid + 1;
    else return mid;
  }
  return undefined;
}

/** A line to concatenate: its points and how it is drawn. */
export interface StyledLine<P> {
  readonly points: readonly P[];
  readonly color: string;
  readonly dash: readonly number[];
  readonly width: number;
}

/**
 * Writes the lines' points one after another into `into` (by index, then truncating: see
 * ChartCard.syncLineData for why the array is reused) and returns each line's range and the y range
 * of the points between `xMin` and `xMax` (finite values only; empty: +Infinity..-Infinity, which
 * chart.js reads as "no data"). The y axis needs that range, and it is measured on this pass instead
 * of chart.js walking every point again.
 */
export function concatenateLines<P extends { readonly x: number; readonly y: number | null }>(
  lines: readonly StyledLine<P>[],
  into: P[],
  xMin: number,
  xMax: number,
): { ranges: LineRange[]; yRange: { min: number; max: number } } {
  const ranges: LineRange[] = [];
  let n = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const line of lines) {
    ranges.push({ start: n, count: line.points.length, color: line.color, dash: line.dash, width: line.width });
    for (const point of line.points) {
      into[n++] = point;
      const y = point.y;
      if (y === null || !Number.isFinite(y) || point.x < xMin || point.x > xMax) continue;
      if (y < min) min = y;
      if (y > max) max = y;
    }
  }
  into.length = n;
  return { ranges, yRange: { min, max } };
}
