/**
 * A long-running child (the VS Code server, code-server) started in its own process group, its
 * output kept in a log file, and stopped together with everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { randomUUID } from 'node:crypto';

/** Environment variable every process of one harness run inherits, so stragglers can be found. */
const RUN_MARKER = 'PV_HARNESS_RUN';

/**
 * Tags this process (and so every child it starts, Chromium included) with a run id, and returns
 * it. Processes that leave our process groups (terminal shells run by node-pty call setsid) still
 * carry the tag, which is how {@link killTaggedProcesses} finds them.
 */
export function tagRun(): string {
  process.env[RUN_MARKER] ??= randomUUID();
  return process.env[RUN_MARKER];
}

/** Kills every process except this one whose environment holds this run's tag (Linux /proc only). */
export function killTaggedProcesses(): number {
  const tag = process.env[RUN_MARKER];
  if (!tag || !existsSync('/proc')) return 0;
  const needle = `${RUN_MARKER}=${tag}`;
  let killed = 0;
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue; // gone already, or not ours to read
    }
    if (!environ.split('\0').includes(needle)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch {
      // exited meanwhile
    }
  }
  return killed;
}

/** Environment for a child VS Code: ours minus anything that would tie it to a VS Code we run inside. */
export function cleanEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VSCODE_|ELECTRON_)/.test(key) || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return { ...env, ...overrides };
}

/** A child process in its own process group, with stdout and stderr appended to a log file. */
export class ServerProcess {
  private readonly child: ChildProcess;
  private readonly log: WriteStream;
  private exitCode: number | string | undefined;
  private readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string; onOutput?: (text: string) => void },
  ) {
    this.log = createWriteStream(options.logFile, { flags: 'a' });
    this.log.write(`$ ${command} ${args.join(' ')}\n`);
    this.child = spawn(command, args, { env: options.env, cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        this.log.write(chunk);
        options.onOutput?.(chunk.toString());
      });
    }
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitCode = code ?? signal ?? 'unknown';
        resolve();
      });
      this.child.on('error', (error) => {
        this.log.write(`spawn error: ${error.message}\n`);
        this.exitCode = 'spawn error';
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True until the process exits. */
  get alive(): boolean {
    return this.exitCode === undefined;
  }

  /** Exit code or signal, once it exited. */
  get exitStatus(): number | string | undefined {
    return this.exitCode;
  }

  /** SIGTERM to the whole process group, SIGKILL after a grace period. */
  async stop(graceMs = 5_000): Promise<void> {
    const pid = this.child.pid;
    if (pid !== undefined) {
      signalGroup(pid, 'SIGTERM');
      const timer = new Promise<'timeout'>((resolve) => setTimeout(resolve, graceMs, 'timeout').unref());
      if ((await Promise.race([this.exited, timer])) === 'timeout') {
        this.log.write(`[harness] ${this.name} ignored SIGTERM for ${graceMs} ms; SIGKILL\n`);
      }
      // The leader may be gone while its children (extension host, pty host) linger: always sweep.
      signalGroup(pid, 'SIGKILL');
    }
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // no such group any more
  }
}
