/**
 * Real processes for the process-source tests: spawns node scripts that report the PIDs they
 * started as one JSON line, and kills every one of them (orphans included) in cleanup.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';

/** The processes one test started; call killAll() from an after/afterEach hook. */
export class SpawnedProcesses {
  private readonly pids = new Set<number>();
  private readonly children: ChildProcess[] = [];

  /** Spawns `node -e script`; resolves with the first line it prints, parsed as JSON. */
  async node<T = Record<string, number>>(script: string, options: SpawnOptions = {}): Promise<{ child: ChildProcess; message: T }> {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'], ...options });
    this.track(child);
    const lines = createInterface({ input: child.stdout! });
    const message = await new Promise<T>((resolve, reject) => {
      lines.once('line', (line) => resolve(JSON.parse(line) as T));
      child.once('exit', (code) => reject(new Error(`script exited with ${code} before reporting`)));
      child.once('error', reject);
    });
    for (const value of Object.values(message as Record<string, unknown>)) {
      if (typeof value === 'number') this.pids.add(value);
    }
    return { child, message };
  }

  /** Spawns a command directly. */
  command(file: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn(file, args, { stdio: 'ignore', ...options });
    this.track(child);
    return child;
  }

  /** SIGKILLs every process this object knows of, children first, and waits for direct children. */
  async killAll(): Promise<void> {
    for (const pid of [...this.pids].reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await Promise.all(
      this.children.map((child) =>
        child.exitCode !== null || child.signalCode !== null ? undefined : new Promise((resolve) => child.once('exit', resolve)),
      ),
    );
    this.pids.clear();
    this.children.length = 0;
  }

  private track(child: ChildProcess): void {
    if (child.pid !== undefined) this.pids.add(child.pid);
    this.children.push(child);
  }
}

/** Polls until the predicate holds; fails after a generous deadline (a liveness guard, not a timing assertion). */
export async function waitUntil(predicate: () => boolean | Promise<boolean>, what: string, deadlineMs = 15_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The ppid in /proc/<pid>/stat, or undefined when the process is gone. */
export function ppidOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** True while /proc/<pid> exists (zombies included). */
export function procExists(pid: number): boolean {
  try {
    readFileSync(`/proc/${pid}/stat`);
    return true;
  } catch {
    return false;
  }
}
