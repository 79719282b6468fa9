/**
 * Parses the JSON the Windows source's PowerShell helper prints for Win32_Process
 * (see WIN32_PROCESS_QUERY): an array of objects, or {"error": "..."}.
 */
import type { ProcessReading } from './ProcessSource';

/** The PowerShell statement run per request; CreationDate is converted to Unix ms in PowerShell so no date format is parsed here. */
export const WIN32_PROCESS_QUERY =
  "try { $p = Get-CimInstance -ClassName Win32_Process | Select-Object ProcessId,ParentProcessId," +
  "@{n='CreationDate';e={if ($_.CreationDate) { ([DateTimeOffset]$_.CreationDate).ToUnixTimeMilliseconds() } else { 0 }}}," +
  'Name,CommandLine,WorkingSetSize,KernelModeTime,UserModeTime; ConvertTo-Json -InputObject @($p) -Compress } ' +
  "catch { '{\"error\":' + (ConvertTo-Json -InputObject $_.Exception.Message -Compress) + '}' }";

/** The outcome of parsing one response. */
export interface Win32ParseResult {
  readonly readings: ProcessReading[];
  /** Set when PowerShell reported an error or the text was not the expected JSON. */
  readonly error?: string;
  /** Entries skipped because a required field was missing or malformed. */
  readonly skipped: number;
}

const HUNDRED_NS_PER_MS = 10_000;
const DMTF = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)\.(\d{6})([+-])(\d{3})$/;

/**
 * A CreationDate in any form PowerShell may print it: Unix ms (what WIN32_PROCESS_QUERY emits),
 * "/Date(ms)/" (Windows PowerShell 5.1's ConvertTo-Json of a DateTime), a CIM DMTF datetime
 * ("20240105093012.123456+060", offset in minutes) or ISO 8601 (PowerShell 7). NaN otherwise.
 */
export function parseCreationDate(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return Number.NaN;
  const date = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(value);
  if (date) return Number(date[1]);
  const dmtf = DMTF.exec(value);
  if (dmtf) {
    const [, y, mo, d, h, mi, s, micro, sign, offset] = dmtf;
    const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Math.floor(Number(micro) / 1000));
    return utc - (sign === '-' ? -1 : 1) * Number(offset) * 60_000;
  }
  return Date.parse(value);
}

const asNumber = (value: unknown): number => (typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : Number.NaN);

/** Parses one helper response. */
export function parseWin32ProcessJson(text: string): Win32ParseResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.trim() || '[]');
  } catch (error) {
    // A host that echoes prompts or warnings before the JSON: parse from the line the JSON starts on.
    const start = text.search(/^[[{]/m);
    try {
      if (start <= 0) throw error;
      parsed = JSON.parse(text.slice(start));
    } catch {
      return { readings: [], skipped: 0, error: `not JSON: ${(error as Error).message}: ${JSON.stringify(text.slice(0, 200))}` };
    }
  }
  if (parsed !== null && !Array.isArray(parsed) && typeof parsed === 'object' && 'error' in parsed) {
    return { readings: [], skipped: 0, error: String((parsed as { error: unknown }).error) };
  }
  // ConvertTo-Json prints a lone object for a one-element pipeline; @() in the query avoids it, but be lenient.
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  const readings: ProcessReading[] = [];
  let skipped = 0;
  for (const entry of entries) {
    if (entry === null || typeof entry !== 'object') {
      skipped++;
      continue;
    }
    const e = entry as Record<string, unknown>;
    const pid = asNumber(e.ProcessId);
    const ppid = asNumber(e.ParentProcessId);
    if (!Number.isInteger(pid) || !Number.isInteger(ppid)) {
      skipped++;
      continue;
    }
    const startTime = parseCreationDate(e.CreationDate);
    const kernel = asNumber(e.KernelModeTime);
    const user = asNumber(e.UserModeTime);
    const rss = asNumber(e.WorkingSetSize);
    readings.push({
      pid,
      ppid,
      // 0 for the System Idle Process and System, whose CreationDate is empty.
      startTime: Number.isFinite(startTime) ? startTime : 0,
      name: typeof e.Name === 'string' ? e.Name : '',
      command: typeof e.CommandLine === 'string' ? e.CommandLine : '',
      cpuTimeMs: Number.isFinite(kernel + user) ? (kernel + user) / HUNDRED_NS_PER_MS : 0,
      rssBytes: Number.isFinite(rss) ? rss : 0,
    });
  }
  return { readings, skipped };
}
