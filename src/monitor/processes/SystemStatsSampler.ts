/**
 * System-wide vitals: CPU%, memory, load averages and the main filesystem's usage. Meant for a low
 * rate (DEFAULT_SYSTEM_STATS_INTERVAL_MS): disk usage spawns `df` (or PowerShell on Windows)
 * inside systeminformation. On Linux, CPU, memory and load come straight from /proc (three small
 * reads); elsewhere from `os` and systeminformation. systeminformation costs ~21 ms to require, so
 * it is loaded on the first sample that needs it, never on import.
 */
import * as os from 'node:os';
import { readFileSync } from 'node:fs';
import type * as SystemInformation from 'systeminformation';

/** The rate the caller should sample at unless told otherwise. */
export const DEFAULT_SYSTEM_STATS_INTERVAL_MS = 10_000;

/** One sample of the machine. Fields a platform cannot give are undefined. */
export interface SystemStats {
  /** ms since the epoch. */
  readonly time: number;
  /** Busy share of all CPUs since the previous sample, 0-100; undefined on the first sample. */
  readonly cpuPercent: number | undefined;
  readonly cpuCount: number;
  readonly memory: { readonly totalBytes: number; readonly usedBytes: number; readonly availableBytes: number } | undefined;
  /** 1, 5 and 15 minute load averages; undefined on Windows, which has none. */
  readonly loadAverage: readonly [number, number, number] | undefined;
  /** The filesystem holding `diskPath`. */
  readonly disk: { readonly mount: string; readonly totalBytes: number; readonly usedBytes: number; readonly availableBytes: number } | undefined;
  /** What failed, when something did; the other fields are still filled where possible. */
  readonly error?: string;
}

/** Construction options of SystemStatsSampler. */
export interface SystemStatsSamplerOptions {
  readonly platform?: NodeJS.Platform;
  readonly procRoot?: string;
  /** Whose filesystem counts as the main one. Default: the workspace or cwd root ('/' or 'C:\\'). */
  readonly diskPath?: string;
  readonly now?: () => number;
  /** Loads systeminformation; tests inject a fake. */
  readonly loadSystemInformation?: () => typeof SystemInformation;
  readonly readTextFile?: (path: string) => string;
}

interface CpuTimes {
  busy: number;
  total: number;
}

/** Samples system-wide stats; never throws. */
export class SystemStatsSampler {
  private readonly platform: NodeJS.Platform;
  private readonly procRoot: string;
  private readonly diskPath: string;
  private readonly now: () => number;
  private readonly loadSystemInformation: () => typeof SystemInformation;
  private readonly readTextFile: (path: string) => string;
  private systemInformation: typeof SystemInformation | undefined;
  private previousCpu: CpuTimes | undefined;

  constructor(options: SystemStatsSamplerOptions = {}) {
    this.platform = options.platform ?? process.platform;
    this.procRoot = options.procRoot ?? '/proc';
    this.diskPath = options.diskPath ?? process.cwd();
    this.now = options.now ?? Date.now;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.loadSystemInformation = options.loadSystemInformation ?? (() => require('systeminformation') as typeof SystemInformation);
    this.readTextFile = options.readTextFile ?? ((path) => readFileSync(path, 'latin1'));
  }

  /** Takes one sample. */
  async sample(): Promise<SystemStats> {
    const errors: string[] = [];
    const attempt = async <T>(what: string, fn: () => T | Promise<T>): Promise<T | undefined> => {
      try {
        return await fn();
      } catch (error) {
        errors.push(`${what}: ${(error as Error).message ?? String(error)}`);
        return undefined;
      }
    };
    const linux = this.platform === 'linux';
    const cpu = await attempt('cpu', () => (linux ? this.readProcCpu() : osCpuTimes()));
    let cpuPercent: number | undefined;
    if (cpu !== undefined && this.previousCpu !== undefined && cpu.total > this.previousCpu.total) {
      cpuPercent = (100 * (cpu.busy - this.previousCpu.busy)) / (cpu.total - this.previousCpu.total);
    }
    if (cpu !== undefined) this.previousCpu = cpu;
    const memory = await attempt('memory', () => (linux ? this.readProcMemory() : this.readSiMemory()));
    const loadAverage = await attempt('load', () => (linux ? this.readProcLoad() : this.osLoad()));
    const disk = await attempt('disk', () => this.readDisk());
    return {
      time: this.now(),
      cpuPercent,
      cpuCount: os.cpus().length,
      memory,
      loadAverage,
      disk,
      ...(errors.length ? { error: errors.join('; ') } : {}),
    };
  }

  private si(): typeof SystemInformation {
    this.systemInformation ??= this.loadSystemInformation();
    return this.systemInformation;
  }

  /** The aggregate "cpu" line of /proc/stat: user nice system idle iowait irq softirq steal (guest is inside user). */
  private readProcCpu(): CpuTimes {
    const text = this.readTextFile(`${this.procRoot}/stat`);
    const line = /^cpu\s+(.*)$/m.exec(text);
    if (!line) throw new Error('no cpu line in /proc/stat');
    const v = line[1]!.trim().split(/\s+/).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  }

  private readProcMemory(): SystemStats['memory'] {
    const text = this.readTextFile(`${this.procRoot}/meminfo`);
    const kb = (key: string) => {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
      if (!m) throw new Error(`no ${key} in /proc/meminfo`);
      return Number(m[1]) * 1024;
    };
    const totalBytes = kb('MemTotal');
    const availableBytes = kb('MemAvailable');
    return { totalBytes, availableBytes, usedBytes: totalBytes - availableBytes };
  }

  private readProcLoad(): [number, number, number] {
    const [one, five, fifteen] = this.readTextFile(`${this.procRoot}/loadavg`).split(' ').map(Number);
    if (![one, five, fifteen].every((n) => Number.isFinite(n))) throw new Error('unparsable /proc/loadavg');
    return [one!, five!, fifteen!];
  }

  private async readSiMemory(): Promise<SystemStats['memory']> {
    const mem = await this.si().mem();
    // `available` counts reclaimable caches (macOS: inactive + free), which `free` does not.
    return { totalBytes: mem.total, availableBytes: mem.available, usedBytes: mem.total - mem.available };
  }

  private osLoad(): [number, number, number] | undefined {
    if (this.platform === 'win32') return undefined;
    const [one, five, fifteen] = os.loadavg();
    return [one!, five!, fifteen!];
  }

  private async readDisk(): Promise<SystemStats['disk']> {
    const filesystems = await this.si().fsSize();
    const target = this.platform === 'win32' ? this.diskPath.toLowerCase() : this.diskPath;
    // The longest mount point that contains the path is the filesystem holding it.
    let best: (typeof filesystems)[number] | undefined;
    for (const fs of filesystems) {
      const mount = this.platform === 'win32' ? fs.mount.toLowerCase() : fs.mount;
      const contains = target === mount || target.startsWith(mount.endsWith('/') || mount.endsWith('\\') ? mount : `${mount}${this.platform === 'win32' ? '\\' : '/'}`) || (this.platform === 'win32' && target.startsWith(mount));
      if (contains && (best === undefined || fs.mount.length > best.mount.length)) best = fs;
    }
    if (best === undefined) throw new Error(`no filesystem found for ${this.diskPath}`);
    return { mount: best.mount, totalBytes: best.size, usedBytes: best.used, availableBytes: best.available };
  }
}

function osCpuTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, total };
}
