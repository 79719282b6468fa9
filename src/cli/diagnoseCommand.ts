/**
 * `process-vitals diagnose`: Diagnose Leaks for scripts and CI. Diagnoses a running process by PID
 * (the OS view: RSS trend and memory maps; a CLI cannot reach an agent another host started) or
 * starts a command with the Node agent injected, lets it warm up, and takes the full diagnosis
 * (heap snapshots, allocation sites, handles). Writes report.md and report.json; exit code 0 when
 * no leak was found, 3 when one was, 1 on errors or an inconclusive diagnosis, 2 on usage errors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AGENT_TRACK_HANDLES_ENV } from '../agent/agentProtocol';
import { AgentServer, type AgentConnectionInfo } from '../monitor/agents/AgentServer';
import { nodeOptionsWithAgent } from '../monitor/agents/agentNodeOptions';
import { DiagnosisCancelledError, DiagnosisRefusedError, LeakDiagnosis, type DiagnosisTarget } from '../monitor/diagnosis/LeakDiagnosis';
import type { DiagnosisReport } from '../monitor/diagnosis/DiagnosisReport';
import { SNAPSHOT_SECRETS_WARNING } from '../monitor/diagnosis/renderDiagnosisMarkdown';
import type { ProcessSeriesKey } from '../monitor/Monitor';
import { SampleHistory } from '../monitor/series/SampleHistory';

/** Exit code when a leak was found. */
export const DIAGNOSE_LEAK_EXIT_CODE = 3;

/** The help text of `diagnose`. */
export const DIAGNOSE_USAGE = `Usage:
  process-vitals diagnose --pid <pid> [options]       diagnose a running process (RSS and memory maps)
  process-vitals diagnose [options] -- <command...>   run a command with the Node agent and diagnose it

Options of diagnose:
  --seconds <s>              seconds between the heap snapshots (default 20; the diagnosis takes about twice that)
  --warmup <s>               seconds to let the command warm up before the first snapshot (default 5)
  --out <dir>                where snapshots and report.md/report.json go (default .process-vitals)
  --keep <n>                 diagnoses kept in <dir> (default 3)
  --track-handles-from-start record creation stacks of every handle from the command's start (slows busy programs)

Exit code: 0 no leak found, 3 leak found, 1 error or inconclusive, 2 usage error. Snapshots
contain the program's memory (secrets included): do not publish them.`;

/** A parsed `diagnose` invocation. */
export interface DiagnoseInvocation {
  readonly pid?: number;
  readonly command?: readonly string[];
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly outDir: string;
  readonly keep: number;
  readonly trackHandlesFromStart: boolean;
}

/** A usage error of `diagnose`. */
export class DiagnoseUsageError extends Error {}

/** Parses the arguments after `diagnose`. Pure; throws DiagnoseUsageError. Returns 'help' for --help before any `--`. */
export function parseDiagnoseArguments(args: readonly string[]): DiagnoseInvocation | 'help' {
  let pid: number | undefined;
  let command: string[] | undefined;
  let seconds = 20;
  let warmupSeconds = 5;
  let outDir = '.process-vitals';
  let keep = 3;
  let trackHandlesFromStart = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new DiagnoseUsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--':
        command = args.slice(i + 1);
        i = args.length;
        break;
      case '--help':
      case '-h':
        return 'help';
      case '--pid':
        pid = wholeNumber(arg, value(), 1);
        break;
      case '--seconds':
        seconds = wholeNumber(arg, value(), 1, 300);
        break;
      case '--warmup':
        warmupSeconds = wholeNumber(arg, value(), 0, 3600);
        break;
      case '--out':
        outDir = value();
        break;
      case '--keep':
        keep = wholeNumber(arg, value(), 1, 1000);
        break;
      case '--track-handles-from-start':
        trackHandlesFromStart = true;
        break;
      default:
        throw new DiagnoseUsageError(`unknown option "${arg}"`);
    }
  }
  if (command !== undefined && command.length === 0) throw new DiagnoseUsageError('nothing to run after --');
  if ((pid === undefined) === (command === undefined)) throw new DiagnoseUsageError('diagnose needs either --pid <pid> or -- <command...>');
  if (pid !== undefined && trackHandlesFromStart) throw new DiagnoseUsageError('--track-handles-from-start needs a command to start');
  return { ...(pid !== undefined ? { pid } : {}), ...(command ? { command } : {}), seconds, warmupSeconds, outDir, keep, trackHandlesFromStart };
}

function wholeNumber(option: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new DiagnoseUsageError(`${option} takes a whole number from ${min} to ${max}, not "${text}"`);
  return Number(text);
}

/** Where the CLI writes. */
interface Output {
  out(text: string): void;
  err(text: string): void;
}

const stdio: Output = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** Runs `diagnose` with the arguments after the verb; returns the exit code. */
export async function diagnoseCommand(args: readonly string[], io: Output = stdio): Promise<number> {
  let invocation: DiagnoseInvocation | 'help';
  try {
    invocation = parseDiagnoseArguments(args);
  } catch (error) {
    if (!(error instanceof DiagnoseUsageError)) throw error;
    io.err(`process-vitals: ${error.message}\n\n${DIAGNOSE_USAGE}\n`);
    return 2;
  }
  if (invocation === 'help') {
    io.out(`${DIAGNOSE_USAGE}\n`);
    return 0;
  }
  const outDir = resolve(invocation.outDir);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const report = invocation.command ? await diagnoseCommandLine(invocation, outDir, controller.signal, io) : await diagnosePid(invocation, outDir, controller.signal, io);
    if (!report) return 1;
    return finish(report, outDir, io);
  } catch (error) {
    if (error instanceof DiagnosisCancelledError) {
      io.err('process-vitals: diagnosis cancelled; its files were removed\n');
      return 130;
    }
    if (error instanceof DiagnosisRefusedError) {
      io.err(`process-vitals: ${error.message}\n`);
      return 1;
    }
    io.err(`process-vitals: the diagnosis failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function diagnosePid(invocation: DiagnoseInvocation, outDir: string, signal: AbortSignal, io: Output): Promise<DiagnosisReport> {
  const pid = invocation.pid!;
  const diagnosis = new LeakDiagnosis({ storageDir: outDir, keepDiagnoses: invocation.keep });
  io.err(`process-vitals: watching process ${pid} for ${invocation.seconds * 2} s (no agent: RSS and memory maps)\n`);
  return diagnosis.run({ pid, name: commandLineOf(pid) ?? `process ${pid}` }, { observeSeconds: invocation.seconds, signal, onProgress: (p) => io.err(`process-vitals: ${p.message}\n`) });
}

/** Starts the command with the agent, waits for it to connect and warm up, diagnoses it, then stops it. */
async function diagnoseCommandLine(invocation: DiagnoseInvocation, outDir: string, signal: AbortSignal, io: Output): Promise<DiagnosisReport | undefined> {
  const server = await AgentServer.listen();
  const history = new SampleHistory<ProcessSeriesKey>(['rssBytes', 'heapUsedBytes', 'heapAfterGcBytes', 'externalBytes', 'activeHandles'], {
    recentCapacity: 3600,
    archiveStepMs: 60_000,
    archiveCapacity: 60,
  });
  const [file, ...args] = invocation.command!;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...server.environment(),
    NODE_OPTIONS: nodeOptionsWithAgent(join(__dirname, 'agent.js'), process.env.NODE_OPTIONS),
    ...(invocation.trackHandlesFromStart ? { [AGENT_TRACK_HANDLES_ENV]: '1' } : {}),
  };
  // Its own process group, so the whole tree can be stopped afterwards; its stdout goes to our stderr (stdout is for results).
  const child = spawn(file, args, { env, stdio: ['ignore', process.stderr, process.stderr], detached: process.platform !== 'win32' });
  let exited: string | undefined;
  const exitPromise = new Promise<string>((resolveExit) => {
    child.once('error', (error) => resolveExit((exited = `could not start ${file}: ${error.message}`)));
    child.once('exit', (code, sig) => resolveExit((exited = `the command exited (${sig ?? `code ${code}`}) before the diagnosis finished`)));
  });
  const reports = server.onDidReport(({ agent, report }) => {
    if (agent.hello.threadId !== 0 || agent.key !== chosen?.key) return;
    history.append(report.time, {
      rssBytes: report.memory.rss,
      heapUsedBytes: report.memory.heapUsed,
      ...(report.heapAfterGc !== null ? { heapAfterGcBytes: report.heapAfterGc } : {}),
      externalBytes: report.memory.external,
      activeHandles: Object.values(report.activeResources).reduce((a, b) => a + b, 0),
    });
  });
  let chosen: AgentConnectionInfo | undefined;
  try {
    // The first Node process of the command to connect is the one diagnosed (package-manager front ends never connect).
    chosen = await raceSignal(
      Promise.race([
        new Promise<AgentConnectionInfo | undefined>((resolveAgent) => {
          const sub = server.onDidConnect((info) => {
            if (info.hello.threadId !== 0) return;
            sub.dispose();
            resolveAgent(info);
          });
          const timer = setTimeout(() => {
            sub.dispose();
            resolveAgent(undefined);
          }, 15_000 + invocation.warmupSeconds * 1000);
          timer.unref();
        }),
        exitPromise.then(() => undefined),
      ]),
      signal,
    );
    if (exited) {
      io.err(`process-vitals: ${exited}\n`);
      return undefined;
    }
    const pid = chosen?.hello.pid ?? child.pid!;
    if (!chosen) io.err(`process-vitals: no Node agent connected; diagnosing process ${pid} from the outside (RSS and memory maps)\n`);
    else io.err(`process-vitals: agent connected in process ${pid}; warming up for ${invocation.warmupSeconds} s\n`);
    await raceSignal(Promise.race([sleep(invocation.warmupSeconds * 1000), exitPromise]), signal);
    if (exited) {
      io.err(`process-vitals: ${exited}\n`);
      return undefined;
    }
    const target: DiagnosisTarget = { pid, name: chosen ? chosen.hello.argv.join(' ') : invocation.command!.join(' '), ...(chosen ? { history } : {}) };
    const diagnosis = new LeakDiagnosis({ storageDir: outDir, agents: server, keepDiagnoses: invocation.keep });
    const estimate = diagnosis.estimate(pid, invocation.seconds);
    if (estimate) io.err(`process-vitals: ${estimate.summary}\n`);
    const running = diagnosis.run(target, { observeSeconds: invocation.seconds, signal, onProgress: (p) => io.err(`process-vitals: ${p.message}\n`) });
    const report = await Promise.race([running, exitPromise.then((why) => Promise.reject(new Error(why)))]);
    return report;
  } finally {
    reports.dispose();
    await stop(child);
    server.dispose();
  }
}

function finish(report: DiagnosisReport, outDir: string, io: Output): number {
  // The latest report also at the top of --out, where CI picks it up.
  const markdown = join(outDir, 'report.md');
  const json = join(outDir, 'report.json');
  copyFileSync(join(report.folder, 'report.md'), markdown);
  copyFileSync(join(report.folder, 'report.json'), json);
  io.err(`process-vitals: ${report.verdict.summary}\n`);
  for (const finding of report.verdict.findings) io.err(`  - ${finding}\n`);
  io.err(`process-vitals: report written to ${markdown} and ${json}\n`);
  if (report.files.length) io.err(`process-vitals: warning: ${SNAPSHOT_SECRETS_WARNING}\n`);
  io.out(`${JSON.stringify({ type: 'diagnosis', outcome: report.verdict.outcome, kinds: report.verdict.kinds, pid: report.pid, report: json, markdown, folder: report.folder })}\n`);
  return report.verdict.outcome === 'leak' ? DIAGNOSE_LEAK_EXIT_CODE : report.verdict.outcome === 'no-leak' ? 0 : 1;
}

/** Stops the command and everything it started: SIGTERM to its group, SIGKILL if it lingers; resolves when it is gone. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const kill = (sig: NodeJS.Signals) => {
    try {
      if (process.platform === 'win32') child.kill(sig);
      else process.kill(-pid, sig);
    } catch {
      // Already gone.
    }
  };
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  kill('SIGTERM');
  const timer = setTimeout(() => kill('SIGKILL'), 3000);
  await gone;
  clearTimeout(timer);
}

function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') || undefined;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function raceSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new DiagnosisCancelledError());
  return new Promise<T>((resolveWork, reject) => {
    const onAbort = () => reject(new DiagnosisCancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolveWork(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
