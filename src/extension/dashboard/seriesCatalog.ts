/**
 * What each monitor series is, for the dashboard: label, unit and which chart it shares. Pure (no
 * vscode import). Series the table does not know (a later engine adds one) still get a chart of
 * their own with a unit guessed from the key's suffix, so new series light up without code changes.
 */
import type { SeriesDescriptor, SeriesUnit } from '../../webview/protocol';

interface KnownSeries {
  readonly label: string;
  readonly unit: SeriesUnit;
  readonly chart: string;
  readonly chartTitle: string;
  readonly agentOnly: boolean;
}

/** Charts in the order the page shows them; series of one chart share its axis and unit. */
const KNOWN_SERIES: Readonly<Record<string, KnownSeries>> = {
  cpuPercent: { label: 'CPU', unit: 'percent', chart: 'cpu', chartTitle: 'CPU', agentOnly: false },
  rssBytes: { label: 'Memory (RSS)', unit: 'bytes', chart: 'rss', chartTitle: 'Memory (RSS)', agentOnly: false },
  heapUsedBytes: { label: 'Heap used', unit: 'bytes', chart: 'heap', chartTitle: 'JS heap', agentOnly: true },
  heapAfterGcBytes: { label: 'Heap after GC', unit: 'bytes', chart: 'heap', chartTitle: 'JS heap', agentOnly: true },
  heapTotalBytes: { label: 'Heap total', unit: 'bytes', chart: 'heap', chartTitle: 'JS heap', agentOnly: true },
  externalBytes: { label: 'External', unit: 'bytes', chart: 'external', chartTitle: 'External + ArrayBuffers', agentOnly: true },
  arrayBuffersBytes: { label: 'ArrayBuffers', unit: 'bytes', chart: 'external', chartTitle: 'External + ArrayBuffers', agentOnly: true },
  eventLoopDelayP99Ms: { label: 'Event-loop delay p99', unit: 'ms', chart: 'eld', chartTitle: 'Event-loop delay p99', agentOnly: true },
  eventLoopUtilization: { label: 'Event-loop utilization', unit: 'ratio', chart: 'elu', chartTitle: 'Event-loop utilization', agentOnly: true },
  activeHandles: { label: 'Active handles', unit: 'count', chart: 'handles', chartTitle: 'Active handles', agentOnly: true },
  gcPauseMs: { label: 'GC pause per second', unit: 'ms', chart: 'gc', chartTitle: 'GC pause (ms per second)', agentOnly: true },
  httpRequestsPerSecond: { label: 'HTTP requests/s', unit: 'perSecond', chart: 'httpRate', chartTitle: 'HTTP requests/s', agentOnly: true },
  httpLatencyP95: { label: 'HTTP latency p95', unit: 'ms', chart: 'httpLatency', chartTitle: 'HTTP latency p95', agentOnly: true },
};

/** Describes a series key; unknown keys get their own chart. */
export function describeSeries(key: string): SeriesDescriptor {
  const known = Object.prototype.hasOwnProperty.call(KNOWN_SERIES, key) ? KNOWN_SERIES[key] : undefined;
  if (known) return { key, ...known };
  const label = humanize(key);
  return { key, label, unit: guessUnit(key), chart: `series:${key}`, chartTitle: label, agentOnly: true };
}

/** Orders series keys the way charts appear: known ones in table order, then the rest alphabetically. */
export function compareSeriesKeys(a: string, b: string): number {
  const order = Object.keys(KNOWN_SERIES);
  const ia = order.indexOf(a);
  const ib = order.indexOf(b);
  if (ia >= 0 || ib >= 0) return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

function guessUnit(key: string): SeriesUnit {
  if (/Bytes$|^heap|^external|Buffers$/i.test(key)) return 'bytes';
  if (/Percent$/i.test(key)) return 'percent';
  if (/Ms$|P\d+$|Latency/i.test(key)) return 'ms';
  if (/Utilization$|Ratio$/i.test(key)) return 'ratio';
  if (/PerSecond$|Rate$/i.test(key)) return 'perSecond';
  return 'count';
}

/** "eventLoopDelayP99" -> "Event loop delay p99". */
function humanize(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
