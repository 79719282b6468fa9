/**
 * `process-vitals`: the engine without VS Code, for scripts and CI. Prints JSON lines on stdout and
 * diagnostics on stderr; exit codes: the watched command's own, 0 after watching a PID, 2 for usage errors.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { AgentServer } from '../monitor/agents/AgentServer';
import { nodeOptionsWithAgent } from '../monitor/agents/agentNodeOptions';
import { Monitor } from '../monitor/Monitor';
import { Recorder } from '../monitor/recording/Recorder';
import { analyzeCommand } from './analyzeCommand';
import { CliUsageError, parseCliArguments, USAGE, type CliInvocation } from './cliArguments';
import { diagnoseCommand } from './diagnoseCommand';

declare const PROCESS_VITALS_VERSION: string | undefined;

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'diagnose') return diagnoseCommand(argv.slice(1));
  let invocation: CliInvocation;
  try {
    invocation = parseCliArguments(argv);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    process.stderr.write(`process-vitals: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (invocation.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (invocation.kind === 'version') {
    process.stdout.write(`${typeof PROCESS_VITALS_VERSION === 'string' ? PROCESS_VITALS_VERSION : 'dev'}\n`);
    return 0;
  }
  if (invocation.kind === 'analyze') return analyzeCommand(invocation, (text) => process.stdout.write(text), (text) => process.stderr.write(text));
  return watch(invocation);
}

/** The agent bundle beside this CLI bundle (dist/agent.js), when the build produced it. */
function agentBundle(): string | undefined {
  const path = join(__dirname, 'agent.js');
  return existsSync(path) ? path : undefined;
}

async function watch(invocation: Extract<CliInvocation, { kind: 'watch' }>): Promise<number> {
  const print = (record: object) => process.stdout.write(`${JSON.stringify(record)}\n`);
  // A command we start gets the Node agent (heap, GC, handles), as terminals of the extension do.
  const agentPath = invocation.command && !invocation.noAgent ? agentBundle() : undefined;
  const agents = agentPath ? await AgentServer.listen() : undefined;
  agents?.onWarning((warning) => process.stderr.write(`process-vitals: ${warning.message}\n`));
  const monitor = new Monitor({ intervalMs: invocation.intervalMs, historyMinutes: 1, agents });
  let recorder: Recorder | undefined;

  return new Promise<number>((resolve) => {
    let rootPid: number;
    let exitCode = 0;
    let childRunning = false;
    let rootSeen = false;
    // The monitor's worker is unref'd on purpose (it must never keep a host alive): this keeps the CLI up.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const finish = (code: number) => {
      clearInterval(keepAlive);
      clearTimeout(durationTimer);
      recorder?.dispose();
      monitor.dispose();
      agents?.dispose();
      resolve(code);
    };

    monitor.onDidAppear((infos) => {
      for (const info of infos) print({ type: 'appeared', time: Date.now(), ...info });
    });
    monitor.onDidSample((batch) => {
      if (!rootSeen && !batch.samples.some((s) => s.pid === rootPid)) {
        if (invocation.pid !== undefined) {
          process.stderr.write(`process-vitals: there is no process with PID ${rootPid}\n`);
          finish(1);
        }
        return;
      }
      rootSeen = true;
      for (const s of batch.samples) {
        print({ type: 'sample', time: s.time, pid: s.pid, cpuPercent: round(s.cpuPercent, 2), rssBytes: s.rssBytes, cpuTimeMs: s.cpuTimeMs });
      }
    });
    monitor.onDidExit((exited) => {
      for (const { info, exitedAt } of exited) {
        print({ type: 'exited', time: exitedAt, pid: info.pid, startTime: info.startTime, name: info.name });
        // Watching a PID ends when that process does.
        if (invocation.pid !== undefined && info.pid === rootPid) finish(0);
      }
    });
    monitor.onWarning((warning) => process.stderr.write(`process-vitals: ${warning.message}\n`));

    let stopCommand: (() => void) | undefined;
    // When the duration ends, a command we started ends too (like timeout(1)); a watched PID is left alone.
    const durationTimer = invocation.durationSeconds
      ? setTimeout(() => {
        stopCommand?.();
        finish(exitCode);
      }, invocation.durationSeconds * 1000)
      : undefined;

    if (invocation.command) {
      const [file, ...args] = invocation.command;
      // The command's stdout goes to our stderr so that stdout stays pure JSON lines.
      const env = agents && agentPath
        ? { ...process.env, ...agents.environment(), NODE_OPTIONS: nodeOptionsWithAgent(agentPath, process.env.NODE_OPTIONS) }
        : process.env;
      const child = spawn(file, args, { stdio: ['inherit', process.stderr, 'inherit'], env });
      childRunning = true;
      child.on('error', (error) => {
        process.stderr.write(`process-vitals: could not start ${file}: ${error.message}\n`);
        finish(127);
      });
      child.on('exit', (code, signal) => {
        childRunning = false;
        exitCode = code ?? (signal ? 128 + (signalNumber(signal) ?? 1) : 1);
        // One more tick records the exit of the tree before we stop.
        monitor.tickNow();
        setTimeout(() => finish(exitCode), Math.min(1000, invocation.intervalMs)).unref();
      });
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.on(signal, () => {
          if (childRunning) child.kill(signal);
          else finish(130);
        });
      }
      stopCommand = () => {
        if (childRunning) child.kill('SIGTERM');
      };
      if (child.pid === undefined) return;
      rootPid = child.pid;
    } else {
      rootPid = invocation.pid!;
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => finish(0));
    }
    if (invocation.record) {
      try {
        recorder = Recorder.toFile(monitor, invocation.record, {
          pid: rootPid,
          recorder: 'process-vitals cli',
          recorderVersion: typeof PROCESS_VITALS_VERSION === 'string' ? PROCESS_VITALS_VERSION : 'dev',
        });
      } catch (error) {
        process.stderr.write(`process-vitals: cannot write the recording ${invocation.record}: ${error instanceof Error ? error.message : String(error)}
`);
        stopCommand?.();
        finish(1);
        return;
      }
    }
    monitor.setRoots('cli', [rootPid]);
  });
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return osConstants.signals[signal];
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`process-vitals: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
