/**
 * Real Node programs for the agent tests: written to a temporary directory, run with or without
 * the built agent (dist/agent.js, injected through NODE_OPTIONS as the extension does), with their
 * output captured byte for byte.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeOptionsWithAgent } from '../../../src/monitor/agents/agentNodeOptions';

/** The agent bundle the build produced (out/test/unit/agent -> dist/agent.js). */
export const AGENT_BUNDLE = join(__dirname, '../../../../dist/agent.js');

/** Fails early with a clear message when the build did not run. */
export function assertAgentBuilt(): void {
  if (!existsSync(AGENT_BUNDLE)) throw new Error(`${AGENT_BUNDLE} is missing: run node scripts/build.mjs first`);
}

/** What a finished program did. */
export interface ProgramRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly wallMs: number;
  readonly pid: number;
}

/** A temporary directory of program files, removed by dispose(). */
export class ProgramDirectory {
  readonly path = mkdtempSync(join(tmpdir(), 'pv-agent-'));
  private readonly running = new Set<ChildProcess>();

  /** Writes a program file and returns its path. */
  write(name: string, source: string): string {
    const file = join(this.path, name);
    writeFileSync(file, source);
    return file;
  }

  /** Starts node on file, with the agent when withAgent; env adds to this process's env (NODE_OPTIONS removed); programArgs follow the file. */
  start(file: string, withAgent: boolean, env: Record<string, string> = {}, nodeArgs: string[] = [], programArgs: string[] = []): ChildProcess {
    const base = { ...process.env };
    delete base.NODE_OPTIONS;
    const childEnv = { ...base, ...env, ...(withAgent ? { NODE_OPTIONS: nodeOptionsWithAgent(AGENT_BUNDLE, undefined) } : {}) };
    const child = spawn(process.execPath, [...nodeArgs, file, ...programArgs], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], cwd: this.path });
    this.running.add(child);
    child.once('exit', () => this.running.delete(child));
    return child;
  }

  /** Runs a program to its end. */
  run(file: string, withAgent: boolean, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ProgramRun> {
    const started = process.hrtime.bigint();
    const child = this.start(file, withAgent, env, nodeArgs);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => stdout.push(b));
    child.stderr!.on('data', (b: Buffer) => stderr.push(b));
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) =>
        resolve({
          code,
          signal,
          stdout: Buffer.concat(stdout),
          stderr: Buffer.concat(stderr),
          wallMs: Number(process.hrtime.bigint() - started) / 1e6,
          pid: child.pid!,
        }),
      );
    });
  }

  /** Kills what is still running and removes the directory. */
  dispose(): void {
    for (const child of this.running) child.kill('SIGKILL');
    this.running.clear();
    rmSync(this.path, { recursive: true, force: true });
  }
}

export { nextEvent } from '../nextEvent';

/** The median of some numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
