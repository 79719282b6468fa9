/** Formatting of series values by unit, for axes, tooltips and the table. */
import { formatBytes, formatDuration, formatPercent } from '../extension/format';
import type { SeriesUnit } from './protocol';

/** A value in its unit, short ("12%", "48.2 MB", "3.1 ms"); '' for a gap. */
export function formatValue(value: number | null | undefined, unit: SeriesUnit): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '';
  switch (unit) {
    case 'percent':
      return formatPercent(value);
    case 'bytes':
      return formatBytes(value);
    case 'ms':
      return value < 10 ? `${value.toFixed(2)} ms` : value < 1000 ? `${value.toFixed(0)} ms` : `${(value / 1000).toFixed(2)} s`;
    case 'ratio':
      return `${(value * 100).toFixed(value < 0.1 ? 1 : 0)}%`;
    case 'perSecond':
      return `${value < 10 ? value.toFixed(1) : Math.round(value)}/s`;
    case 'count':
      return String(Math.round(value));
  }
}

/** A wall-clock time for axis ticks and tooltips ("14:03:27"). */
export function formatClock(time: number, withSeconds = true): string {
  const d = new Date(time);
  const pad = (n: number) => String(n).padStart(2, '0');
  return withSeconds ? `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` : `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export { formatBytes, formatDuration };
