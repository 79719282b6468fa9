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
