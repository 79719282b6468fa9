import type { ProcessInfo, ProcessKey, ProcessReading } from './ProcessSource';

/** One derived sample of one process. */
export interface ProcessSample extends ProcessKey {
  /** When the reading was taken, ms since the epoch. */
  readonly time: number;
  /** CPU use in percent of one core (can exceed 100 on several cores), smoothed over about a second. */
  readonly cpuPercent: number;
  /** Resident set size in bytes. */
  readonly rssBytes: number;
  /** Cumulative CPU time in milliseconds. */
  readonly cpuTimeMs: number;
}

/** What changed in the watched forest between two reads. */
export interface ProcessTickDelta {
  readonly time: number;
  /** Processes seen for the first time (including a new process that reuses an old PID). */
  readonly appeared: ProcessInfo[];
  /** Known processes whose parent, name or command changed (exec, re-parenting). */
  readonly changed: ProcessInfo[];
  /** Processes that were seen before and are now gone (or whose PID now belongs to another process). */
  readonly exited: ProcessKey[];
  /** One sample per process present in this read. */
  readonly samples: ProcessSample[];
}

/** Options of a ProcessTickAssembler. */
export interface ProcessTickAssemblerOptions {
  /** CPU% is averaged over at least this window (CPU time has 10 ms resolution on Linux). */
  readonly cpuWindowMs?: number;
}

interface Tracked {
  info: ProcessInfo;
  /** Recent (monotonic ms, cpuTimeMs) pairs, oldest first; bounded by the CPU window. */
  history: Array<[number, number]>;
}

/** The map key of a process: PID and start time, so a reused PID is a different process. */
export function processKeyString(key: ProcessKey): string {
  return `${key.pid}@${key.startTime}`;
}

/**
 * Turns successive reads of the watched forest into appeared/changed/exited events and samples with a
 * smoothed CPU%. Pure and synchronous: it runs in the monitor's worker, and in tests without one.
 */
export class ProcessTickAssembler {
  private readonly tracked = new Map<string, Tracked>();
  private readonly cpuWindowMs: number;

  constructor(options: ProcessTickAssemblerOptions = {}) {
    this.cpuWindowMs = options.cpuWindowMs ?? 1000;
  }

  /** Folds one read into the model. time is wall-clock ms (for samples), monotonicMs is for rates. */
  update(time: number, monotonicMs: number, readings: readonly ProcessReading[]): ProcessTickDelta {
    const appeared: ProcessInfo[] = [];
    const changed: ProcessInfo[] = [];
    const samples: ProcessSample[] = [];
    const present = new Set<string>();

    for (const reading of readings) {
      const key = processKeyString(reading);
      if (present.has(key)) continue; // a source listing a process twice must not double it
      present.add(key);
      const info: ProcessInfo = {
        pid: reading.pid,
        ppid: reading.ppid,
        startTime: reading.startTime,
        name: reading.name,
        command: reading.command,
        ...(reading.cwd !== undefined ? { cwd: reading.cwd } : {}),
      };
      let tracked = this.tracked.get(key);
      let cpuPercent: number;
      if (!tracked) {
        tracked = { info, history: [] };
        this.tracked.set(key, tracked);
        appeared.push(info);
        // No earlier reading: the lifetime average is the best first estimate.
        const lifetimeMs = time - reading.startTime;
        cpuPercent = lifetimeMs > 0 ? (reading.cpuTimeMs / lifetimeMs) * 100 : 0;
      } else {
        if (
          tracked.info.ppid !== info.ppid ||
          tracked.info.name !== info.name ||
          (info.command !== '' && tracked.info.command !== info.command)
        ) {
          tracked.info = info.command === '' ? { ...info, command: tracked.info.command } : info;
          changed.push(tracked.info);
        }
        cpuPercent = this.cpuPercentSince(tracked.history, monotonicMs, reading.cpuTimeMs);
      }
      tracked.history.push([monotonicMs, reading.cpuTimeMs]);
      this.trimHistory(tracked.history, monotonicMs);
      samples.push({
        pid: reading.pid,
        startTime: reading.startTime,
        time,
        cpuPercent: Math.max(0, cpuPercent),
        rssBytes: reading.rssBytes,
        cpuTimeMs: reading.cpuTimeMs,
      });
    }

    const exited: ProcessKey[] = [];
    for (const [key, tracked] of this.tracked) {
      if (!present.has(key)) {
        this.tracked.delete(key);
        exited.push({ pid: tracked.info.pid, startTime: tracked.info.startTime });
      }
    }
    return { time, appeared, changed, exited, samples };
  }

  /** Number of processes currently tracked. */
  get size(): number {
    return this.tracked.size;
  }

  /** Forgets everything (for example when monitoring resumes after a pause). */
  reset(): void {
    this.tracked.clear();
  }

  private cpuPercentSince(history: Array<[number, number]>, now: number, cpuTimeMs: number): number {
    // Use the newest reading that is at least one window old, else the oldest one we have.
    let base = history[0];
    for (const entry of history) {
      if (now - entry[0] >= this.cpuWindowMs) base = entry;
      else break;
    }
    const elapsed = now - base[0];
    if (elapsed <= 0) return 0;
    return ((cpuTimeMs - base[1]) / elapsed) * 100;
  }

  private trimHistory(history: Array<[number, number]>, now: number): void {
    // Keep exactly one entry older than the window (the base of the next rate) and the ones inside it.
    while (history.length > 2 && now - history[1][0] >= this.cpuWindowMs) history.shift();
  }
}
