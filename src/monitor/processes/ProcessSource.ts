/**
 * The contract between the engine and a platform's process table. One implementation per
 * platform (Linux /proc, macOS ps, Windows), chosen by createProcessSource().
 *
 * A source only reads: it never keeps series, never computes CPU% (the Monitor derives it from
 * cumulative CPU time) and never throws because a process vanished between two reads.
 */

/** Identifies one process across PID reuse: a PID is only the same process while its start time is. */
export interface ProcessKey {
  readonly pid: number;
  /**
   * Start time in milliseconds since the Unix epoch. Resolution: Linux 10 ms (boot time + starttime
   * ticks), macOS and the ps fallback 1 s, Windows 1 ms.
   */
  readonly startTime: number;
}

/** What a process is: stable for its lifetime, except the name and command of a process that execs. */
export interface ProcessInfo extends ProcessKey {
  readonly ppid: number;
  /** Short executable name (Linux `comm`, macOS/Windows image name). */
  readonly name: string;
  /** Full command line joined with spaces; '' when it cannot be read (zombies, kernel threads, access denied). */
  readonly command: string;
  /** Working directory when the platform gives it cheaply (Linux: read once per process); else absent. */
  readonly cwd?: string;
}

/** One read of a process: its identity plus the raw counters a sample is derived from. */
export interface ProcessReading extends ProcessInfo {
  /** Cumulative user + system CPU time in milliseconds since the process started. */
  readonly cpuTimeMs: number;
  /** Resident set size in bytes. */
  readonly rssBytes: number;
}

/**
 * Why a source could not read something; reported, never thrown. 'read-failed' is a file read that
 * failed for another reason than a vanished process or a denial (EMFILE, EIO...).
 */
export type SourceWarningCode = 'access-denied' | 'unparsable' | 'command-failed' | 'read-failed' | 'unsupported';

/** A problem a source met while reading, for the monitor to log once. */
export interface SourceWarning {
  readonly code: SourceWarningCode;
  readonly pid?: number;
  readonly message: string;
}

/** The outcome of one read of the watched forest. */
export interface ProcessReadResult {
  /** Every root that exists and all of its descendants, each once. Roots that do not exist are left out. */
  readonly readings: ProcessReading[];
  readonly warnings: SourceWarning[];
}

/** A platform's process table. */
export interface ProcessSource {
  /** Reads the given roots and all their descendants (children of children, and so on). */
  read(roots: readonly number[]): Promise<ProcessReadResult>;
  /** Every process visible on the machine, for pickers ("Watch Process..."): not for the tick loop. */
  listAll(): Promise<ProcessInfo[]>;
  /** Releases held file descriptors and helper processes. */
  dispose(): void;
}
