/**
 * Parses the output of the one `ps` call the macOS source makes per read:
 *
 *   LC_ALL=C ps -axww -o pid=,ppid=,rss=,time=,ucomm=,lstart=,args=
 *
 * Two columns are free text (ucomm, args) and BSD ps has no field separator, so the columns are
 * ordered to keep them apart: ucomm (the 16-byte accounting name, which may hold spaces) sits
 * between `time` and `lstart`, and lstart under the C locale has a fixed shape
 * ("Mon Jan  1 12:00:00 2024", 24 characters, longer than any ucomm), so the first match of that
 * shape ends ucomm. args is last and runs to the end of the line.
 */
import type { ProcessReading } from './ProcessSource';

/** The ps arguments whose output parseMacPsOutput() reads; run them with LC_ALL=C. */
export const MAC_PS_ARGS: readonly string[] = ['-axww', '-o', 'pid=,ppid=,rss=,time=,ucomm=,lstart=,args='];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LINE =
  /^\s*(\d+)\s+(\d+)\s+(\d+)\s+([\d:.-]+)\s(.*?)\s*(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4})(?: (.*))?$/;

/** The readings of every parsable line, and the lines that were not. */
export interface PsParseResult {
  readonly readings: ProcessReading[];
  readonly unparsable: string[];
}

/** Parses `ps -o time` CPU time: "0:00.04", "125:03.12" (minutes), "1:02:03.45", "2-01:02:03". */
export function parsePsCpuTime(text: string): number {
  let days = 0;
  let rest = text;
  const dash = text.indexOf('-');
  if (dash >= 0) {
    days = Number(text.slice(0, dash));
    rest = text.slice(dash + 1);
  }
  let seconds = 0;
  for (const part of rest.split(':')) seconds = seconds * 60 + Number(part);
  const ms = Math.round((days * 86400 + seconds) * 1000);
  return Number.isFinite(ms) ? ms : Number.NaN;
}

/** Parses the output of MAC_PS_ARGS; start times are local time (lstart), 1 s resolution. */
export function parseMacPsOutput(stdout: string): PsParseResult {
  const readings: ProcessReading[] = [];
  const unparsable: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const m = LINE.exec(line.replace(/\r$/, ''));
    const cpuTimeMs = m ? parsePsCpuTime(m[4]!) : Number.NaN;
    if (!m || Number.isNaN(cpuTimeMs)) {
      unparsable.push(line);
      continue;
    }
    const startTime = new Date(Number(m[11]), MONTHS.indexOf(m[6]!), Number(m[7]), Number(m[8]), Number(m[9]), Number(m[10])).getTime();
    const command = (m[12] ?? '').trim();
    readings.push({
      pid: Number(m[1]),
      ppid: Number(m[2]),
      rssBytes: Number(m[3]) * 1024,
      cpuTimeMs,
      name: m[5]!.trim(),
      startTime,
      command,
    });
  }
  return { readings, unparsable };
}
