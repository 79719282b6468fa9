/**
 * The fallback source for platforms without a dedicated one (FreeBSD, OpenBSD, AIX, SunOS...):
 * discovery with one POSIX `ps` call per read, sampling with pidusage (which reads /proc or runs
 * ps itself, depending on the platform). Slower than the Linux source; correct everywhere ps is.
 */
import pidusage from 'pidusage';
import type { ProcessInfo, ProcessReadResult, ProcessReading, ProcessSource, SourceWarning } from './ProcessSource';
import { execFileText, type ExecFileText } from './execFileText';
import { selectSubtrees } from './selectSubtrees';

/** POSIX columns only; args last because it holds spaces. etime is "[[dd-]hh:]mm:ss". */
export const POSIX_PS_ARGS: readonly string[] = ['-A', '-o', 'pid=', '-o', 'ppid=', '-o', 'etime=', '-o', 'args='];

/** The sampling function: pidusage's multi-PID form. */
export type PidusageFunction = (pids: number[]) => Promise<Record<string, { ctime: number; memory: number } | undefined>>;

/** Construction options of PidusageProcessSource. */
export interface PidusageProcessSourceOptions {
  readonly execFile?: ExecFileText;
  readonly pidusage?: PidusageFunction;
  readonly now?: () => number;
}

/** A `ps` line of POSIX_PS_ARGS. */
export interface PosixPsEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly elapsedMs: number;
  readonly command: string;
}

/** Parses "[[dd-]hh:]mm:ss" into milliseconds; NaN when malformed. */
export function parseElapsed(text: string): number {
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(text);
  if (!m) return Number.NaN;
  return (((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1000;
}

/** Parses the output of POSIX_PS_ARGS. */
export function parsePosixPsOutput(stdout: string): { entries: PosixPsEntry[]; unparsable: string[] } {
  const entries: PosixPsEntry[] = [];
  const unparsable: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s?(.*)$/.exec(line);
    const elapsedMs = m ? parseElapsed(m[3]!) : Number.NaN;
    if (!m || Number.isNaN(elapsedMs)) unparsable.push(line);
    else entries.push({ pid: Number(m[1]), ppid: Number(m[2]), elapsedMs, command: m[4]!.trim() });
  }
  return { entries, unparsable };
}

/** Start times estimated from elapsed time jitter by up to a second; this keeps them stable per process. */
const START_TIME_TOLERANCE_MS = 2000;

/** Discovery by `ps`, sampling by pidusage. */
export class PidusageProcessSource implements ProcessSource {
  private readonly execFile: ExecFileText;
  private readonly sample: PidusageFunction;
  private readonly now: () => number;
  private startTimes = new Map<number, number>();

  constructor(options: PidusageProcessSourceOptions = {}) {
    this.execFile = options.execFile ?? execFileText;
    this.sample = options.pidusage ?? ((pids) => pidusage(pids));
    this.now = options.now ?? Date.now;
  }

  async read(roots: readonly number[]): Promise<ProcessReadResult> {
    const table = await this.readTable();
    if (!('infos' in table)) return table;
    const selected = selectSubtrees(table.infos, roots);
    const readings: ProcessReading[] = [];
    const warnings = table.warnings;
    if (selected.length === 0) return { readings, warnings };
    const pids = selected.map((p) => p.pid);
    let stats: Awaited<ReturnType<PidusageFunction>>;
    try {
      stats = await this.sample(pids);
    } catch {
      // One vanished PID fails the whole call on some platforms: sample one by one, dropping failures.
      stats = {};
      const settled = await Promise.allSettled(pids.map((pid) => this.sample([pid])));
      settled.forEach((result) => {
        if (result.status === 'fulfilled') Object.assign(stats, result.value);
      });
    }
    for (const info of selected) {
      const stat = stats[String(info.pid)];
      if (stat) readings.push({ ...info, cpuTimeMs: stat.ctime, rssBytes: stat.memory });
    }
    return { readings, warnings };
  }

  async listAll(): Promise<ProcessInfo[]> {
    const table = await this.readTable();
    return 'infos' in table ? table.infos : [];
  }

  dispose(): void {
    this.startTimes.clear();
  }

  private async readTable(): Promise<{ infos: ProcessInfo[]; warnings: SourceWarning[] } | ProcessReadResult> {
    let stdout: string;
    try {
      stdout = await this.execFile('ps', POSIX_PS_ARGS, { env: { ...process.env, LC_ALL: 'C' } });
    } catch (error) {
      return { readings: [], warnings: [{ code: 'command-failed', message: `ps failed: ${(error as Error).message}` }] };
    }
    const now = this.now();
    const { entries, unparsable } = parsePosixPsOutput(stdout);
    const startTimes = new Map<number, number>();
    const infos = entries.map((entry): ProcessInfo => {
      const estimate = now - entry.elapsedMs;
      const known = this.startTimes.get(entry.pid);
      const startTime = known !== undefined && Math.abs(known - estimate) <= START_TIME_TOLERANCE_MS ? known : estimate;
      startTimes.set(entry.pid, startTime);
      const executable = entry.command.split(' ')[0] ?? '';
      return { pid: entry.pid, ppid: entry.ppid, startTime, name: executable.slice(executable.lastIndexOf('/') + 1), command: entry.command };
    });
    this.startTimes = startTimes;
    const warnings: SourceWarning[] = unparsable.length
      ? [{ code: 'unparsable', message: `${unparsable.length} unparsable ps line(s), first: ${JSON.stringify(unparsable[0])}` }]
      : [];
    return { infos, warnings };
  }
}
