/** Formatting shared by the tree, the status bar and tooltips. Pure: no vscode import. */

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Bytes in binary units with about three significant digits ("512 KB", "1.25 GB"). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** CPU percent with one decimal below 10% and none above ("0.4%", "37%"). */
export function formatPercent(percent: number): string {
  if (!Number.isFinite(percent) || percent < 0) return '–';
  return `${percent < 10 ? percent.toFixed(1) : Math.round(percent)}%`;
}

/** A duration in the largest two units ("3 s", "5 min 12 s", "2 h 4 min", "3 d 1 h"). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Shortens a command line for a one-line label, keeping its start. */
export function shortenCommand(command: string, max = 80): string {
  const oneLine = command.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}
