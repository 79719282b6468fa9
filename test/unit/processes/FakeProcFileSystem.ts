/**
 * An in-memory /proc with the semantics that matter to LinuxProcessSource: an open fd is bound to
 * the process it was opened for (its reads fail with ESRCH once that process is gone, even when
 * the PID now belongs to another one), files of missing PIDs give ENOENT, and chosen paths can be
 * made to fail with EACCES (running as root, chmod cannot produce that on real files).
 */
import type { ProcFileSystem } from '../../../src/monitor/processes/LinuxProcessSource';

/** One simulated process. */
export interface FakeProcess {
  pid: number;
  ppid: number;
  session: number;
  comm: string;
  cmdline: string[];
  startTicks: number;
  utimeTicks: number;
  stimeTicks: number;
  rssPages: number;
  statmResidentPages: number;
  /** Thread ids; the first is the main thread (== pid). */
  threads: number[];
  /** The thread of the parent that forked this process (default: the parent's main thread). */
  parentTid?: number;
  argStart: number;
  argEnd: number;
  state: string;
}

interface OpenFile {
  readonly process: FakeProcess | undefined;
  readonly content: () => string;
}

const ESRCH = (): Error => Object.assign(new Error('ESRCH: no such process'), { code: 'ESRCH' });
const ENOENT = (path: string): Error => Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
const EACCES = (path: string): Error => Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });

/** Builds a stat line with all 52 fields, as Linux 5.x/6.x prints it. */
export function statLine(p: FakeProcess): string {
  const fields: Array<string | number> = new Array(53).fill(0);
  fields[1] = p.pid;
  fields[2] = `(${p.comm})`;
  fields[3] = p.state;
  fields[4] = p.ppid;
  fields[5] = p.pid;
  fields[6] = p.session;
  fields[8] = -1;
  fields[9] = 4194304;
  fields[14] = p.utimeTicks;
  fields[15] = p.stimeTicks;
  fields[18] = 20;
  fields[19] = 0;
  fields[20] = p.threads.length;
  fields[22] = p.startTicks;
  fields[23] = 10_000_000;
  fields[24] = p.rssPages;
  fields[25] = '18446744073709551615';
  fields[38] = 17;
  fields[48] = p.argStart;
  fields[49] = p.argEnd;
  return fields.slice(1).join(' ') + '\n';
}

/** The fake /proc; mount it with `new LinuxProcessSource({ procRoot: fake.root, fs: fake, ... })`. */
export class FakeProcFileSystem implements ProcFileSystem {
  readonly root = '/fakeproc';
  readonly processes = new Map<number, FakeProcess>();
  /** Paths whose open fails with EACCES. */
  readonly deniedPaths = new Set<string>();
  /** Every path opened, in order, so a test can see a held fd being replaced. */
  readonly opened: string[] = [];
  private readonly files = new Map<number, OpenFile>();
  private nextFd = 1000;
  bootTimeSeconds = 1_700_000_000;
  /** The last field of loadavg; add() moves it, as fork() does. */
  lastAllocatedPid = 0;
  /** How many times each path was read through an fd. */
  readonly reads = new Map<string, number>();
  private readonly fdPaths = new Map<number, string>();

  /** Adds a process; unspecified fields get plausible values. */
  add(fields: Partial<FakeProcess> & { pid: number; ppid: number }): FakeProcess {
    const p: FakeProcess = {
      session: fields.ppid,
      comm: 'proc',
      cmdline: [fields.comm ?? 'proc'],
      startTicks: 1000 + fields.pid,
      utimeTicks: 0,
      stimeTicks: 0,
      rssPages: 100,
      statmResidentPages: 110,
      threads: [fields.pid],
      argStart: 140_000_000_000_000 + fields.pid * 4096,
      argEnd: 140_000_000_000_000 + fields.pid * 4096 + 64,
      state: 'S',
      ...fields,
    };
    this.processes.set(p.pid, p);
    this.lastAllocatedPid = Math.max(this.lastAllocatedPid + 1, p.pid);
    return p;
  }

  /** The process exits: its held fds fail with ESRCH, its files vanish. */
  kill(pid: number): void {
    this.processes.delete(pid);
  }

  /** Number of fds currently open on the fake. */
  get openFds(): number {
    return this.files.size;
  }

  openSync(path: string): number {
    this.opened.push(path);
    if (this.deniedPaths.has(path)) throw EACCES(path);
    const content = this.resolve(path);
    const fd = this.nextFd++;
    this.files.set(fd, content);
    this.fdPaths.set(fd, path);
    return fd;
  }

  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    const file = this.files.get(fd);
    if (file === undefined) throw Object.assign(new Error('EBADF'), { code: 'EBADF' });
    const path = this.fdPaths.get(fd)!;
    this.reads.set(path, (this.reads.get(path) ?? 0) + 1);
    if (file.process !== undefined && this.processes.get(file.process.pid) !== file.process) throw ESRCH();
    const bytes = Buffer.from(file.content(), 'utf8');
    const n = Math.max(0, Math.min(length, bytes.length - position));
    bytes.copy(buffer, offset, position, position + n);
    return n;
  }

  closeSync(fd: number): void {
    this.fdPaths.delete(fd);
    if (!this.files.delete(fd)) throw Object.assign(new Error('EBADF'), { code: 'EBADF' });
  }

  readdirSync(path: string): string[] {
    if (path === this.root) return ['self', 'stat', ...[...this.processes.keys()].map(String)];
    const match = /^\/fakeproc\/(\d+)\/task$/.exec(path);
    const p = match ? this.processes.get(Number(match[1])) : undefined;
    if (p === undefined) throw ENOENT(path);
    return p.threads.map(String);
  }

  private resolve(path: string): OpenFile {
    if (path === `${this.root}/loadavg`) {
      return { process: undefined, content: () => `0.10 0.20 0.30 1/${this.processes.size} ${this.lastAllocatedPid}\n` };
    }
    if (path === `${this.root}/stat`) {
      return { process: undefined, content: () => `cpu  1 2 3 4\nintr 0\nbtime ${this.bootTimeSeconds}\nprocesses 9\n` };
    }
    const match = /^\/fakeproc\/(\d+)\/(stat|statm|cmdline|task\/(\d+)\/children)$/.exec(path);
    const p = match ? this.processes.get(Number(match[1])) : undefined;
    if (match === null || p === undefined) throw ENOENT(path);
    switch (match[2]) {
      case 'stat':
        return { process: p, content: () => statLine(p) };
      case 'statm':
        return { process: p, content: () => `5000 ${p.statmResidentPages} 300 10 0 200 0\n` };
      case 'cmdline':
        return { process: p, content: () => (p.cmdline.length ? p.cmdline.join('\0') + '\0' : '') };
      default: {
        const tid = Number(match[3]);
        if (!p.threads.includes(tid)) throw ENOENT(path);
        return {
          process: p,
          content: () =>
            [...this.processes.values()]
              .filter((c) => c.ppid === p.pid && (c.parentTid ?? p.pid) === tid)
              .map((c) => `${c.pid} `)
              .join(''),
        };
      }
    }
  }
}
