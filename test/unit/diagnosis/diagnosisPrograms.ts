/**
 * Runs the leaking fixture programs of test/fixtures/diagnosis with the real agent, connected to a
 * real AgentServer, for the diagnosis tests and the benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { AgentServer, type AgentConnectionInfo } from '../../../src/monitor/agents/AgentServer';
import { nodeOptionsWithAgent } from '../../../src/monitor/agents/agentNodeOptions';
import { AGENT_BUNDLE, nextEvent } from '../agent/agentPrograms';

/** The fixture folder (out/test/unit/diagnosis -> test/fixtures/diagnosis). */
export const FIXTURES = join(__dirname, '../../../../test/fixtures/diagnosis');
/** The analysis worker bundle the build produced. */
export const DIAGNOSIS_WORKER = join(__dirname, '../../../../dist/diagnosisWorker.js');

/** 1-based line numbers of the lines of a fixture that carry a marker comment (e.g. "@alloc"). */
export function markedLines(file: string, marker: string): number[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, i) => (line.includes(marker) ? [i + 1] : []));
}

/** A running fixture program with its agent connected. */
export interface RunningProgram {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly file: string;
  readonly agent: AgentConnectionInfo;
  /** Whether the process is still alive. */
  alive(): boolean;
}

/** An agent server, a scratch folder, and the fixture programs started in them; dispose() ends it all. */
export class DiagnosisLab {
  readonly scratch = mkdtempSync(join(tmpdir(), 'pv-diagnosis-'));
  private readonly children = new Set<ChildProcess>();

  private constructor(readonly server: AgentServer) {}

  static async start(): Promise<DiagnosisLab> {
    return new DiagnosisLab(await AgentServer.listen());
  }

  /** Starts a fixture (a name in test/fixtures/diagnosis, or an absolute path) with the agent and waits for the agent to connect, then warmupMs more. */
  async run(fixture: string, warmupMs = 1000, env: Record<string, string> = {}): Promise<RunningProgram> {
    const file = isAbsolute(fixture) ? fixture : join(FIXTURES, fixture);
    const base = { ...process.env };
    delete base.NODE_OPTIONS;
    const child = spawn(process.execPath, [file], {
      env: { ...base, ...this.server.environment(), NODE_OPTIONS: nodeOptionsWithAgent(AGENT_BUNDLE, undefined), ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    const pid = child.pid!;
    const agent = this.server.get(pid) ?? (await nextEvent(this.server.onDidConnect, (info) => info.hello.pid === pid && info.hello.threadId === 0));
    // Two reports: the program is past its start-up, and the agent has numbers to estimate from.
    await nextEvent(this.server.onDidReport, (e) => e.agent.hello.pid === pid && e.report.seq >= 1);
    await new Promise((resolve) => setTimeout(resolve, warmupMs));
    return {
      child,
      pid,
      file,
      agent,
      alive: () => child.exitCode === null && child.signalCode === null && isAlive(pid),
    };
  }

  dispose(): void {
    for (const child of this.children) child.kill('SIGKILL');
    this.children.clear();
    this.server.dispose();
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
