/**
 * One long-lived `powershell.exe -NoProfile -NonInteractive -Command -` that runs statements sent on
 * stdin, one request at a time, each answer ended by a sentinel line. Starting PowerShell costs
 * ~300-1000 ms of CPU, so it is started once (lazily, on the first request), restarted when it dies,
 * and killed by dispose().
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/** The parts of a ChildProcess the session uses; tests pass streams of their own. */
export interface PowerShellProcess {
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  kill(): boolean;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  once(event: 'error', listener: (error: Error) => void): this;
}

/** Construction options of PowerShellSession. */
export interface PowerShellSessionOptions {
  /** Starts the helper; default spawns powershell.exe hidden. */
  readonly spawn?: () => PowerShellProcess;
  /** A request not answered within this is failed and the helper killed. Default 30000 (the first CIM query is slow). */
  readonly timeoutMs?: number;
  /** Clock for the restart back-off. Default Date.now. */
  readonly now?: () => number;
}

/** Sent once after start: UTF-8 output (command lines are Unicode) and no progress records. */
const PREAMBLE = "[Console]::OutputEncoding = [System.Text.Encoding]::UTF8; $ProgressPreference = 'SilentlyContinue'";
/** After this many failures in a row, requests fail fast for RESTART_BACKOFF_MS instead of respawning. */
const MAX_CONSECUTIVE_FAILURES = 3;
const RESTART_BACKOFF_MS = 30_000;

interface PendingRequest {
  readonly statement: string;
  readonly resolve: (text: string) => void;
  readonly reject: (error: Error) => void;
}

const defaultSpawn = (): PowerShellProcess =>
  spawn('powershell.exe', ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', '-'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });

/** A serial request/response channel to one PowerShell process. */
export class PowerShellSession {
  private readonly spawnHelper: () => PowerShellProcess;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private helper: PowerShellProcess | undefined;
  private readonly queue: PendingRequest[] = [];
  private current: (PendingRequest & { sentinel: string; timer: NodeJS.Timeout }) | undefined;
  private output = '';
  private requestCount = 0;
  private consecutiveFailures = 0;
  private lastFailureAt = 0;
  private disposed = false;

  constructor(options: PowerShellSessionOptions = {}) {
    this.spawnHelper = options.spawn ?? defaultSpawn;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** Whether a helper process is running now. */
  get running(): boolean {
    return this.helper !== undefined;
  }

  /** Runs one statement (a single line) and resolves with everything it printed. */
  request(statement: string): Promise<string> {
    if (this.disposed) return Promise.reject(new Error('PowerShellSession is disposed'));
    if (statement.includes('\n')) return Promise.reject(new Error('a PowerShell request must be a single line'));
    return new Promise((resolve, reject) => {
      this.queue.push({ statement, resolve, reject });
      this.pump();
    });
  }

  /** Kills the helper and fails every outstanding request. */
  dispose(): void {
    this.disposed = true;
    this.failAll(new Error('PowerShellSession is disposed'));
    this.stopHelper();
  }

  private pump(): void {
    if (this.current !== undefined || this.queue.length === 0) return;
    if (this.consecutiveFailures >= MAX_CONSECUTIVE_FAILURES && this.now() - this.lastFailureAt < RESTART_BACKOFF_MS) {
      this.failAll(new Error(`PowerShell failed ${this.consecutiveFailures} times in a row; not restarting it for ${RESTART_BACKOFF_MS / 1000} s`));
      return;
    }
    let helper: PowerShellProcess;
    try {
      helper = this.helper ?? this.startHelper();
    } catch (error) {
      this.noteFailure();
      this.failAll(error as Error);
      return;
    }
    const request = this.queue.shift()!;
    const sentinel = `__PROCESS_VITALS_END_${++this.requestCount}__`;
    const timer = setTimeout(() => this.fail(new Error(`PowerShell did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    this.current = { ...request, sentinel, timer };
    helper.stdin!.write(`${request.statement}; '${sentinel}'\n`);
  }

  private startHelper(): PowerShellProcess {
    const helper = this.spawnHelper();
    this.helper = helper;
    this.output = '';
    helper.stdout!.setEncoding('utf8');
    helper.stdout!.on('data', (chunk: string) => {
      if (this.helper === helper) this.onOutput(chunk);
    });
    // Error records go to stderr; draining it keeps the pipe from filling up and blocking the helper.
    helper.stderr?.resume();
    helper.stdin!.on('error', () => {
      // EPIPE when the helper died: its exit event fails the request.
    });
    const onGone = (reason: string) => {
      if (this.helper !== helper) return;
      this.helper = undefined;
      this.fail(new Error(reason));
    };
    helper.once('exit', (code, signal) => onGone(`PowerShell exited (code ${code}, signal ${signal})`));
    helper.once('error', (error) => onGone(`PowerShell failed: ${error.message}`));
    helper.stdin!.write(`${PREAMBLE}\n`);
    return helper;
  }

  private onOutput(chunk: string): void {
    this.output += chunk;
    const current = this.current;
    if (current === undefined) {
      this.output = ''; // The preamble's output, if any: nothing waits for it.
      return;
    }
    const at = findSentinelLine(this.output, current.sentinel);
    if (at < 0) return;
    const text = this.output.slice(0, at).replace(/\r?\n$/, '');
    const end = this.output.indexOf('\n', at);
    this.output = end < 0 ? '' : this.output.slice(end + 1);
    clearTimeout(current.timer);
    this.current = undefined;
    this.consecutiveFailures = 0;
    current.resolve(text);
    this.pump();
  }

  /** Fails the current request (the helper is then killed: its state is unknown) and moves on. */
  private fail(error: Error): void {
    const current = this.current;
    if (current === undefined) return;
    clearTimeout(current.timer);
    this.current = undefined;
    this.noteFailure();
    this.stopHelper();
    current.reject(error);
    this.pump();
  }

  private failAll(error: Error): void {
    if (this.current !== undefined) {
      clearTimeout(this.current.timer);
      this.current.reject(error);
      this.current = undefined;
    }
    for (const request of this.queue.splice(0)) request.reject(error);
  }

  private noteFailure(): void {
    this.consecutiveFailures++;
    this.lastFailureAt = this.now();
  }

  private stopHelper(): void {
    const helper = this.helper;
    this.helper = undefined;
    this.output = '';
    if (helper === undefined) return;
    try {
      helper.stdin?.end();
      helper.kill();
    } catch {
      // Already gone.
    }
  }
}

/** Index of the sentinel when it stands alone on a line whose end has arrived; -1 otherwise. */
function findSentinelLine(output: string, sentinel: string): number {
  let from = 0;
  for (;;) {
    const at = output.indexOf(sentinel, from);
    if (at < 0) return -1;
    const startsLine = at === 0 || output[at - 1] === '\n';
    const after = output.slice(at + sentinel.length, at + sentinel.length + 2);
    if (startsLine && (after.startsWith('\n') || after === '\r\n')) return at;
    from = at + 1;
  }
}
