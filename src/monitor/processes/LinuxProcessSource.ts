/**
 * The Linux process source: discovery and sampling straight from /proc with synchronous reads
 * (it runs in the monitor's worker thread; sync reads there are 7-10x cheaper than fs.promises and
 * stay off the extension host's libuv threadpool).
 *
 * Discovery walks `/proc/<pid>/task/<tid>/children` from the roots, so a tick costs in proportion
 * to the watched subtree, not to the machine. Every thread's file is read, because a child forked
 * by a non-main thread is listed under that thread only. The walk cannot see orphans (re-parented
 * to init or a subreaper), so membership is sticky and a periodic full scan is the safety net:
 *
 *  1. Walk: a root and everything reachable through the children files is a member.
 *  2. Sticky: a member of the previous read that the walk no longer reaches, but whose held stat fd
 *     still reads the same process (same starttime), stays a member: an orphan keeps belonging to
 *     the program it came from, and its own children are walked again.
 *  3. Full scan (every `fullScanIntervalMs`, default 5 s, and on the first read) of `/proc/* /stat`:
 *     a process becomes a member when its parent is a member (a child the walk missed), or when
 *     its session id (stat field 6) is the PID of a member that leads its session (sid == pid),
 *     for example a terminal's shell. Every process of such a session was forked, directly or not,
 *     from that leader after it called setsid(), and a session id cannot be reused while any
 *     member of the session lives, so this pulls in orphans the leader's program left behind and
 *     never the leader's own ancestors or unrelated processes. Sessions of roots that do not lead
 *     their session (a task spawned by the extension host shares the host's session) are NOT
 *     matched: that would pull in the whole editor. Their orphans are found only when they were
 *     seen before being orphaned (rule 2); a daemon that double-forks, calls setsid() and loses
 *     its parent within one tick is missed.
 *
 * When /proc/loadavg's last field (the last PID allocated) has not moved since the previous read,
 * no process was created anywhere, so the children files are not read again: on a quiet machine a
 * tick costs one stat read per process.
 *
 * Sampling holds an fd per process on `/proc/<pid>/stat` (and on each thread's `children` file) and re-reads it with pread at offset 0 each tick. A held fd is bound to the
 * process, not to the PID: once the process exits the read fails with ESRCH, so PID reuse can
 * never pass for the old process.
 *
 * RSS comes by default from stat's rss field, which costs nothing extra. It is the kernel's
 * per-CPU-batched counter read without summing the batches, so it can lag VmRSS by up to
 * (CPUs x batch) pages (measured: 424 vs 451 pages for `sleep`): bounded noise, no drift, fine for
 * charts and trends. `preciseRss: true` reads `statm` instead (what VmRSS and ps report) for one
 * more held fd and one more read per process and tick (+~20% per tick, measured by the bench).
 */
import * as nodeFs from 'node:fs';
import type {
  ProcessInfo,
  ProcessReadResult,
  ProcessReading,
  ProcessSource,
  SourceWarning,
  SourceWarningCode,
} from './ProcessSource';
import {
  ProcStat,
  STAT_FIELDS_FOR_EXEC_CHECK,
  STAT_FIELDS_FOR_SAMPLING,
  parsePidList,
  parseProcStat,
  parseStatmResidentPages,
} from './ProcStat';

/** The synchronous file operations the Linux source uses: node:fs by default, a fake /proc in tests. */
export interface ProcFileSystem {
  openSync(path: string, flags: 'r'): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  closeSync(fd: number): void;
  readdirSync(path: string): string[];
  /** Reads the cwd link; optional so a fake /proc can leave working directories out. */
  readlinkSync?(path: string): string;
}

/** Construction options of LinuxProcessSource; every platform access can be replaced by a test. */
export interface LinuxProcessSourceOptions {
  /** Where procfs is mounted; a test points it at a fake tree. Default '/proc'. */
  readonly procRoot?: string;
  readonly fs?: ProcFileSystem;
  /** Wall clock in ms since the epoch, for the scan schedule and process age. Default Date.now. */
  readonly now?: () => number;
  /** How often read() also scans all of /proc for orphans; 0 = every read, Infinity = never. Default 5000. */
  readonly fullScanIntervalMs?: number;
  /**
   * USER_HZ, the unit of stat's time fields. It is 100 on every architecture Linux runs on today
   * (`getconf CLK_TCK`); spawning getconf to confirm would cost more than it could ever save.
   */
  readonly clockTicksPerSecond?: number;
  /** Bytes per page; by default read once from the KernelPageSize of /proc/self/smaps (4096 on x86, 16 KiB/64 KiB on some arm64). */
  readonly pageSize?: number;
  /** Boot time in ms since the epoch; by default `btime` from /proc/stat, read once so keys stay stable. */
  readonly bootTimeMs?: number;
  /** Cap on held file descriptors; beyond it files are opened, read and closed each tick. Default 4096. */
  readonly maxHeldFds?: number;
  /** Read RSS from statm (exact, +1 read per process and tick) instead of stat's rss field. Default false. */
  readonly preciseRss?: boolean;
  /** Processes younger than this are checked for exec (name or argv moved) each tick. Default 10000. */
  readonly youngProcessAgeMs?: number;
}

const DEFAULT_FULL_SCAN_INTERVAL_MS = 5000;
const DEFAULT_MAX_HELD_FDS = 4096;
const DEFAULT_YOUNG_PROCESS_AGE_MS = 10_000;
const DEFAULT_PAGE_SIZE = 4096;
/** Longer command lines are cut: a 1 MiB argv is already beyond anything a view shows. */
const MAX_COMMAND_BYTES = 1 << 20;

/** Outcome codes of a file read, kept as numbers so the hot path allocates nothing. */
const VANISHED = -1;
const DENIED = -2;
const FAILED = -3;

/** A /proc file, either held open (fd >= 0) or opened by path for each read. */
class ProcFile {
  constructor(
    readonly path: string,
    public fd: number,
  ) {}
}

/** What the source remembers about a process between reads. */
interface TrackedProcess {
  readonly pid: number;
  readonly startTicks: number;
  readonly startTime: number;
  ppid: number;
  session: number;
  numThreads: number;
  name: string;
  /** The raw comm bytes, compared with each read to notice an exec without decoding a string. */
  comm: Buffer;
  command: string;
  /** Working directory, read once when first seen (about 5 us); undefined when unreadable. */
  cwd: string | undefined;
  argStart: number;
  argEnd: number;
  cpuTimeMs: number;
  rssBytes: number;
  readonly stat: ProcFile;
  /** null unless preciseRss, or when statm cannot be read: stat's rss field is used instead. */
  statm: ProcFile | null;
  /** tid -> that thread's children file. */
  readonly threadChildren: Map<number, ProcFile>;
  /** The root this process was found under (the nearest one when roots are nested). */
  root: number;
  /** The read() that last included it. */
  lastRead: number;
}

/** Per-read state, so the walk helpers share it without allocating closures. */
interface ReadContext {
  readonly rootSet: ReadonlySet<number>;
  readonly visited: Set<number>;
  readonly readings: ProcessReading[];
  readonly warnings: SourceWarning[];
  readonly now: number;
}

/** Options of one LinuxProcessSource.readSync(). */
export interface LinuxReadOptions {
  /** Scan all of /proc in this read (true) or not (false) regardless of the schedule. */
  readonly fullScan?: boolean;
  /** Read the children files even when no PID was allocated since the last read (benchmarks, tests). */
  readonly forceWalk?: boolean;
}

/** How a walk reached a PID: through a children file or as a root (any process there counts), or as a member of the last read (only that same process counts). */
type WalkStart = 'reachable' | 'previous-member';

/** Reads a forest of processes from Linux /proc; see the file comment for the discovery rules. */
export class LinuxProcessSource implements ProcessSource {
  private readonly procRoot: string;
  private readonly fs: ProcFileSystem;
  private readonly now: () => number;
  private readonly fullScanIntervalMs: number;
  private readonly clockTicksPerSecond: number;
  private readonly maxHeldFds: number;
  private readonly youngProcessAgeMs: number;
  private readonly preciseRss: boolean;
  private pageSize: number | undefined;
  private bootTimeMs: number | undefined;

  private readonly tracked = new Map<number, TrackedProcess>();
  /** `${pid}:${code}` of warnings already reported, so each is reported once per process. */
  private readonly warned = new Set<string>();
  private readonly stat = new ProcStat();
  private buffer = Buffer.allocUnsafe(16 * 1024);
  private heldFds = 0;
  private readCount = 0;
  private lastFullScanAt = Number.NEGATIVE_INFINITY;
  private lastError = '';
  /** /proc/loadavg, held for its last field; null when unavailable (then every read walks). */
  private loadavg: ProcFile | null | undefined;
  private lastAllocatedPid = -1;
  private lastRoots: number[] = [];
  private disposed = false;

  constructor(options: LinuxProcessSourceOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.fs = options.fs ?? (nodeFs as unknown as ProcFileSystem);
    this.now = options.now ?? Date.now;
    this.fullScanIntervalMs = options.fullScanIntervalMs ?? DEFAULT_FULL_SCAN_INTERVAL_MS;
    this.clockTicksPerSecond = options.clockTicksPerSecond ?? 100;
    this.maxHeldFds = options.maxHeldFds ?? DEFAULT_MAX_HELD_FDS;
    this.youngProcessAgeMs = options.youngProcessAgeMs ?? DEFAULT_YOUNG_PROCESS_AGE_MS;
    this.preciseRss = options.preciseRss ?? false;
    this.pageSize = options.pageSize;
    this.bootTimeMs = options.bootTimeMs;
  }

  /** Number of file descriptors currently held open (for tests and diagnostics). */
  get heldFileDescriptors(): number {
    return this.heldFds;
  }

  /** Reads the roots and their descendants; async only to fit the ProcessSource contract. */
  read(roots: readonly number[]): Promise<ProcessReadResult> {
    return Promise.resolve(this.readSync(roots));
  }

  /** The synchronous body of read(), for callers already on a worker thread. */
  readSync(roots: readonly number[], options: LinuxReadOptions = {}): ProcessReadResult {
    if (this.disposed) throw new Error('LinuxProcessSource is disposed');
    const readNumber = ++this.readCount;
    const ctx: ReadContext = {
      rootSet: new Set(roots),
      visited: new Set(),
      readings: [],
      warnings: [],
      now: this.now(),
    };

    // The PID allocator's cursor is read before the walk, so a fork during the walk moves it and the
    // next read walks again.
    const lastPid = this.readLastAllocatedPid();
    const treeUnchanged =
      !options.forceWalk && lastPid >= 0 && lastPid === this.lastAllocatedPid && sameNumbers(roots, this.lastRoots);
    this.lastAllocatedPid = lastPid;
    this.lastRoots = [...roots];

    if (treeUnchanged) {
      // No PID was allocated since the last read, so no process (or thread) was created anywhere:
      // the members are the last read's members minus those that exited (rules 1 and 2 give the
      // same set), and the children files need not be read at all.
      for (const root of roots) {
        if (!ctx.visited.has(root)) this.walkFrom(root, root, 'previous-member', ctx, false);
      }
      for (const process of this.tracked.values()) {
        if (process.lastRead === readNumber - 1 && !ctx.visited.has(process.pid)) {
          this.walkFrom(process.pid, process.root, 'previous-member', ctx, false);
        }
      }
    } else {
      for (const root of roots) {
        if (!ctx.visited.has(root)) this.walkFrom(root, root, 'reachable', ctx, true);
      }
      // Rule 2: members of the last read that the walk did not reach (orphans) stay while they live.
      for (const process of this.tracked.values()) {
        if (process.lastRead === readNumber - 1 && !ctx.visited.has(process.pid) && ctx.rootSet.has(process.root)) {
          this.walkFrom(process.pid, process.root, 'previous-member', ctx, true);
        }
      }
    }

    const scanDue = options.fullScan ?? ctx.now - this.lastFullScanAt >= this.fullScanIntervalMs;
    if (scanDue && ctx.rootSet.size > 0) {
      this.lastFullScanAt = ctx.now;
      this.adoptFromFullScan(ctx);
    }

    for (const process of this.tracked.values()) {
      if (process.lastRead !== readNumber) this.untrack(process);
    }
    if (this.warned.size > 0) {
      for (const key of this.warned) {
        if (!ctx.visited.has(Number(key.slice(0, key.indexOf(':'))))) this.warned.delete(key);
      }
    }
    return { readings: ctx.readings, warnings: ctx.warnings };
  }

  /** Every process on the machine with its command line: one full scan, for pickers. */
  listAll(): Promise<ProcessInfo[]> {
    const infos: ProcessInfo[] = [];
    const bootTimeMs = this.getBootTimeMs();
    for (const pid of this.listPids()) {
      const length = this.readPath(`${this.procRoot}/${pid}/stat`);
      if (length < 0 || !parseProcStat(this.buffer, length, this.stat)) continue;
      const stat = this.stat;
      infos.push({
        pid,
        startTime: bootTimeMs + Math.round((stat.startTicks * 1000) / this.clockTicksPerSecond),
        ppid: stat.ppid,
        name: this.buffer.toString('utf8', stat.commStart, stat.commEnd),
        command: this.readCommand(pid, undefined),
      });
    }
    return Promise.resolve(infos);
  }

  /** Closes every held file descriptor; the source cannot be used afterwards. */
  dispose(): void {
    for (const process of this.tracked.values()) this.untrack(process);
    if (this.loadavg) this.closeFile(this.loadavg);
    this.loadavg = null;
    this.warned.clear();
    this.disposed = true;
  }

  /** Depth-first walk through the children files (unless !descend), adding each reachable process once. */
  private walkFrom(start: number, root: number, how: WalkStart, ctx: ReadContext, descend: boolean): void {
    const stack = [start];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      if (ctx.visited.has(pid)) continue;
      // A nested root is walked on its own, so its subtree is attributed to it.
      if (pid !== start && ctx.rootSet.has(pid)) continue;
      ctx.visited.add(pid);
      const process = this.sample(pid, root, pid === start ? how : 'reachable', ctx);
      if (process === undefined) continue;
      process.root = root;
      process.lastRead = this.readCount;
      ctx.readings.push({
        pid: process.pid,
        startTime: process.startTime,
        ppid: process.ppid,
        name: process.name,
        command: process.command,
        ...(process.cwd !== undefined ? { cwd: process.cwd } : {}),
        cpuTimeMs: process.cpuTimeMs,
        rssBytes: process.rssBytes,
      });
      if (descend) this.pushChildren(process, stack, ctx);
    }
  }

  /** Re-reads a known process or starts tracking a new one; undefined when it is gone or unreadable. */
  private sample(pid: number, root: number, how: WalkStart, ctx: ReadContext): TrackedProcess | undefined {
    const known = this.tracked.get(pid);
    if (known !== undefined) {
      const young = ctx.now - known.startTime < this.youngProcessAgeMs;
      const length = this.readFile(known.stat);
      if (length >= 0) {
        const fields = young ? STAT_FIELDS_FOR_EXEC_CHECK : STAT_FIELDS_FOR_SAMPLING;
        if (parseProcStat(this.buffer, length, this.stat, fields) && this.stat.startTicks === known.startTicks) {
          if (this.update(known, young, ctx)) return known;
          return undefined;
        }
      } else if (length === DENIED || length === FAILED) {
        this.warnOnce(ctx, pid, length === DENIED ? 'access-denied' : 'read-failed', `cannot read ${known.stat.path}: ${this.lastError}`);
      }
      // Exited (ESRCH on the held fd), or a different process now behind this PID (only possible
      // when the file is read by path): forget the old one.
      this.untrack(known);
      if (how === 'previous-member') return undefined;
    } else if (how === 'previous-member') {
      return undefined;
    }
    return this.track(pid, root, ctx);
  }

  /** Applies the stat just parsed into this.stat to a known process and reads its RSS. */
  private update(process: TrackedProcess, young: boolean, ctx: ReadContext): boolean {
    const stat = this.stat;
    process.ppid = stat.ppid;
    process.session = stat.session;
    process.numThreads = stat.numThreads;
    process.cpuTimeMs = ((stat.userTicks + stat.systemTicks) * 1000) / this.clockTicksPerSecond;
    const rssPagesFromStat = stat.rssPages;

    // A process caught between fork and exec carries its parent's name and argv: when the name or
    // (for young processes) the argv area moves, it has exec'd and its command is read again.
    let execed = !bytesEqual(this.buffer, stat.commStart, stat.commEnd, process.comm);
    if (execed) {
      process.comm = Buffer.from(this.buffer.subarray(stat.commStart, stat.commEnd));
      process.name = process.comm.toString('utf8');
    }
    if (young && stat.argStart !== 0 && (stat.argStart !== process.argStart || stat.argEnd !== process.argEnd)) {
      execed = execed || process.argStart !== 0;
      process.argStart = stat.argStart;
      process.argEnd = stat.argEnd;
    }
    if (execed) process.command = this.readCommand(process.pid, ctx);
    return this.readRss(process, rssPagesFromStat, ctx);
  }

  /** Starts tracking a process not seen before (or seen as a different process under the same PID). */
  private track(pid: number, root: number, ctx: ReadContext): TrackedProcess | undefined {
    const path = `${this.procRoot}/${pid}/stat`;
    const file = this.openFile(path);
    if (typeof file === 'number') {
      this.reportFailure(file, pid, path, ctx);
      return undefined;
    }
    const length = this.readFile(file);
    if (length < 0) {
      this.closeFile(file);
      this.reportFailure(length, pid, path, ctx);
      return undefined;
    }
    const stat = this.stat;
    if (!parseProcStat(this.buffer, length, stat, STAT_FIELDS_FOR_EXEC_CHECK)) {
      this.closeFile(file);
      this.warnOnce(ctx, pid, 'unparsable', `unparsable ${path}: ${JSON.stringify(this.buffer.toString('latin1', 0, Math.min(length, 200)))}`);
      return undefined;
    }
    const comm = Buffer.from(this.buffer.subarray(stat.commStart, stat.commEnd));
    const rssPagesFromStat = stat.rssPages;
    const process: TrackedProcess = {
      pid,
      startTicks: stat.startTicks,
      startTime: this.getBootTimeMs() + Math.round((stat.startTicks * 1000) / this.clockTicksPerSecond),
      ppid: stat.ppid,
      session: stat.session,
      numThreads: stat.numThreads,
      name: comm.toString('utf8'),
      comm,
      command: '',
      cwd: undefined,
      argStart: stat.argStart,
      argEnd: stat.argEnd,
      cpuTimeMs: ((stat.userTicks + stat.systemTicks) * 1000) / this.clockTicksPerSecond,
      rssBytes: 0,
      stat: file,
      statm: null,
      threadChildren: new Map(),
      root,
      lastRead: 0,
    };
    this.tracked.set(pid, process);
    if (this.preciseRss) {
      const statm = this.openFile(`${this.procRoot}/${pid}/statm`);
      if (typeof statm !== 'number') process.statm = statm;
    }
    process.command = this.readCommand(pid, ctx);
    process.cwd = this.readCwd(pid);
    if (!this.readRss(process, rssPagesFromStat, ctx)) {
      this.untrack(process);
      return undefined;
    }
    return process;
  }

  /** RSS in bytes from statm when held, else from stat's rss field. */
  private readRss(process: TrackedProcess, rssPagesFromStat: number, ctx: ReadContext): boolean {
    let pages = rssPagesFromStat;
    if (process.statm !== null) {
      const length = this.readFile(process.statm);
      if (length === VANISHED) return false;
      const resident = length >= 0 ? parseStatmResidentPages(this.buffer, length) : -1;
      if (resident >= 0) {
        pages = resident;
      } else {
        if (length === DENIED) this.warnOnce(ctx, process.pid, 'access-denied', `cannot read ${process.statm.path}: ${this.lastError}`);
        this.closeFile(process.statm);
        process.statm = null;
      }
    }
    process.rssBytes = pages * this.getPageSize();
    return true;
  }

  /** Pushes the children of every thread of a process onto the walk stack. */
  private pushChildren(process: TrackedProcess, stack: number[], ctx: ReadContext): void {
    const threads = process.threadChildren;
    const taskDir = `${this.procRoot}/${process.pid}/task`;
    if (process.numThreads <= 1) {
      // Single-threaded: the only thread is the main one, no need to list the task directory.
      if (threads.size !== 1 || !threads.has(process.pid)) this.syncThreads(process, [process.pid], taskDir);
    } else {
      // Threads come and go; a dead thread's children file reads empty rather than failing, so the
      // task directory is listed again (6 us) instead of trusting the cached tids.
      let names: string[];
      try {
        names = this.fs.readdirSync(taskDir);
      } catch (error) {
        const code = this.classify(error);
        if (code !== VANISHED) this.reportFailure(code, process.pid, taskDir, ctx);
        return;
      }
      const tids: number[] = [];
      for (const name of names) tids.push(Number(name));
      this.syncThreads(process, tids, taskDir);
    }
    for (const file of threads.values()) {
      const length = this.readFile(file);
      if (length >= 0) {
        parsePidList(this.buffer, length, stack);
      } else if (length !== VANISHED) {
        this.warnOnce(ctx, process.pid, length === DENIED ? 'access-denied' : 'read-failed', `cannot read ${file.path}: ${this.lastError}`);
      }
    }
  }

  /** Makes the held children files match the given thread ids. */
  private syncThreads(process: TrackedProcess, tids: readonly number[], taskDir: string): void {
    const threads = process.threadChildren;
    if (threads.size > 0) {
      const wanted = new Set(tids);
      for (const [tid, file] of threads) {
        if (!wanted.has(tid)) {
          this.closeFile(file);
          threads.delete(tid);
        }
      }
    }
    for (const tid of tids) {
      if (threads.has(tid) || !Number.isInteger(tid)) continue;
      const file = this.openFile(`${taskDir}/${tid}/children`);
      if (typeof file !== 'number') threads.set(tid, file);
    }
  }

  /** Rule 3 of the file comment: a scan of every process, adopting missed children and session members. */
  private adoptFromFullScan(ctx: ReadContext): void {
    // Sessions led by a member: sid -> the root that member belongs to.
    const sessionRoots = new Map<number, number>();
    for (const pid of ctx.visited) {
      const member = this.tracked.get(pid);
      if (member !== undefined && member.lastRead === this.readCount && member.session === member.pid) {
        sessionRoots.set(member.session, member.root);
      }
    }
    const candidates: Array<[pid: number, root: number]> = [];
    for (const pid of this.listPids()) {
      if (ctx.visited.has(pid)) continue;
      const length = this.readPath(`${this.procRoot}/${pid}/stat`);
      if (length < 0 || !parseProcStat(this.buffer, length, this.stat)) continue;
      const sessionRoot = sessionRoots.get(this.stat.session);
      if (sessionRoot !== undefined) {
        candidates.push([pid, sessionRoot]);
        continue;
      }
      const parent = ctx.visited.has(this.stat.ppid) ? this.tracked.get(this.stat.ppid) : undefined;
      if (parent !== undefined && parent.lastRead === this.readCount) candidates.push([pid, parent.root]);
    }
    for (const [pid, root] of candidates) {
      if (!ctx.visited.has(pid)) this.walkFrom(pid, root, 'reachable', ctx, true);
    }
  }

  /**
   * The last field of /proc/loadavg: the PID most recently allocated in this PID namespace (threads
   * and processes of nested namespaces included). -1 when unavailable. Equal values on two reads
   * mean nothing was created in between, short of the allocator wrapping around all of pid_max.
   */
  private readLastAllocatedPid(): number {
    if (this.loadavg === undefined) {
      const file = this.openFile(`${this.procRoot}/loadavg`);
      this.loadavg = typeof file === 'number' ? null : file;
    }
    if (this.loadavg === null) return -1;
    const length = this.readFile(this.loadavg);
    if (length <= 0) return -1;
    let end = length;
    while (end > 0 && (this.buffer[end - 1]! < 0x30 || this.buffer[end - 1]! > 0x39)) end--;
    let start = end;
    while (start > 0 && this.buffer[start - 1]! >= 0x30 && this.buffer[start - 1]! <= 0x39) start--;
    if (start === end || this.buffer[start - 1] !== 0x20) return -1;
    let value = 0;
    for (let i = start; i < end; i++) value = value * 10 + (this.buffer[i]! - 0x30);
    return value;
  }

  /** The numeric entries of the proc root. */
  private listPids(): number[] {
    const pids: number[] = [];
    let names: string[];
    try {
      names = this.fs.readdirSync(this.procRoot);
    } catch {
      return pids;
    }
    for (const name of names) {
      const first = name.charCodeAt(0);
      if (first >= 0x30 && first <= 0x39) pids.push(Number(name));
    }
    return pids;
  }

  /** The working directory, or undefined (another user's process, a zombie, a fake /proc without links). */
  private readCwd(pid: number): string | undefined {
    if (!this.fs.readlinkSync) return undefined;
    try {
      return this.fs.readlinkSync(`${this.procRoot}/${pid}/cwd`);
    } catch {
      // Not worth a warning: the tooltip simply leaves the line out.
      return undefined;
    }
  }

  /** The NUL-separated command line joined with spaces; '' for zombies, kernel threads and errors. */
  private readCommand(pid: number, ctx: ReadContext | undefined): string {
    const path = `${this.procRoot}/${pid}/cmdline`;
    const length = this.readPath(path, MAX_COMMAND_BYTES);
    if (length < 0) {
      if (ctx !== undefined && length !== VANISHED) this.reportFailure(length, pid, path, ctx);
      return '';
    }
    let end = length;
    while (end > 0 && this.buffer[end - 1] === 0) end--;
    for (let i = 0; i < end; i++) {
      if (this.buffer[i] === 0) this.buffer[i] = 0x20;
    }
    return this.buffer.toString('utf8', 0, end);
  }

  /** Opens a file and holds it when the fd budget allows; a negative outcome code on failure. */
  private openFile(path: string): ProcFile | number {
    if (this.heldFds >= this.maxHeldFds) return new ProcFile(path, -1);
    try {
      const fd = this.fs.openSync(path, 'r');
      this.heldFds++;
      return new ProcFile(path, fd);
    } catch (error) {
      return this.classify(error);
    }
  }

  private closeFile(file: ProcFile): void {
    if (file.fd < 0) return;
    try {
      this.fs.closeSync(file.fd);
    } catch {
      // Closing a /proc fd cannot meaningfully fail; nothing to report.
    }
    file.fd = -1;
    this.heldFds--;
  }

  /** Reads a whole file into this.buffer: pread at offset 0 on a held fd, else open/read/close. */
  private readFile(file: ProcFile, limit = Number.POSITIVE_INFINITY): number {
    if (file.fd < 0) return this.readPath(file.path, limit);
    try {
      return this.readAll(file.fd, limit);
    } catch (error) {
      return this.classify(error);
    }
  }

  private readPath(path: string, limit = Number.POSITIVE_INFINITY): number {
    let fd: number;
    try {
      fd = this.fs.openSync(path, 'r');
    } catch (error) {
      return this.classify(error);
    }
    try {
      return this.readAll(fd, limit);
    } catch (error) {
      return this.classify(error);
    } finally {
      try {
        this.fs.closeSync(fd);
      } catch {
        // See closeFile.
      }
    }
  }

  /** Reads from offset 0 until EOF, growing the shared buffer; a short read means EOF on procfs. */
  private readAll(fd: number, limit: number): number {
    let total = 0;
    for (;;) {
      const room = Math.min(this.buffer.length, limit) - total;
      if (room <= 0) return total;
      const n = this.fs.readSync(fd, this.buffer, total, room, total);
      total += n;
      if (n === 0 || n < room) return total;
      if (total >= limit) return total;
      const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
      this.buffer.copy(bigger, 0, 0, total);
      this.buffer = bigger;
    }
  }

  private untrack(process: TrackedProcess): void {
    this.closeFile(process.stat);
    if (process.statm !== null) this.closeFile(process.statm);
    for (const file of process.threadChildren.values()) this.closeFile(file);
    process.threadChildren.clear();
    if (this.tracked.get(process.pid) === process) this.tracked.delete(process.pid);
  }

  private reportFailure(outcome: number, pid: number, path: string, ctx: ReadContext): void {
    if (outcome === VANISHED) return;
    const code: SourceWarningCode = outcome === DENIED ? 'access-denied' : 'read-failed';
    this.warnOnce(ctx, pid, code, `cannot read ${path}: ${this.lastError}`);
  }

  private warnOnce(ctx: ReadContext, pid: number, code: SourceWarningCode, message: string): void {
    const key = `${pid}:${code}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    ctx.warnings.push({ code, pid, message });
  }

  /** ENOENT/ESRCH: the process is gone; EACCES/EPERM: denied; anything else: a failed read. */
  private classify(error: unknown): number {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    this.lastError = code ?? String(error);
    if (code === 'ENOENT' || code === 'ESRCH') return VANISHED;
    if (code === 'EACCES' || code === 'EPERM') return DENIED;
    return FAILED;
  }

  private getBootTimeMs(): number {
    if (this.bootTimeMs === undefined) {
      const length = this.readPath(`${this.procRoot}/stat`);
      const text = length > 0 ? this.buffer.toString('latin1', 0, length) : '';
      const match = /^btime (\d+)$/m.exec(text);
      // Without btime (never seen on a real kernel) start times are relative to boot, still unique per PID.
      this.bootTimeMs = match ? Number(match[1]) * 1000 : 0;
    }
    return this.bootTimeMs;
  }

  private getPageSize(): number {
    if (this.pageSize === undefined) {
      // smaps is generated lazily, so the first 4 KiB (the first mapping) costs a few microseconds.
      const length = this.readPath(`${this.procRoot}/self/smaps`, 4096);
      const match = length > 0 ? /^KernelPageSize:\s+(\d+) kB$/m.exec(this.buffer.toString('latin1', 0, length)) : null;
      this.pageSize = match ? Number(match[1]) * 1024 : DEFAULT_PAGE_SIZE;
    }
    return this.pageSize;
  }
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function bytesEqual(buffer: Buffer, start: number, end: number, other: Buffer): boolean {
  if (end - start !== other.length) return false;
  for (let i = 0; i < other.length; i++) {
    if (buffer[start + i] !== other[i]) return false;
  }
  return true;
}

