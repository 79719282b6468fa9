import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import * as vscode from 'vscode';
import { AGENT_TRACK_HANDLES_ENV, type CostEstimate, type HandleReport } from '../../agent/agentProtocol';
import type { AgentServer } from '../../monitor/agents/AgentServer';
import type { LeakWatch } from '../../monitor/leaks/LeakWatch';
import { DiagnosisCancelledError, DiagnosisRefusedError, LeakDiagnosis } from '../../monitor/diagnosis/LeakDiagnosis';
import { keepNewestFiles } from '../../monitor/diagnosis/DiagnosisStorage';
import type { DiagnosisReport } from '../../monitor/diagnosis/DiagnosisReport';
import { SNAPSHOT_SECRETS_WARNING, formatBytes, relativeSourceLinks, writeDiagnosisReport } from '../../monitor/diagnosis/renderDiagnosisMarkdown';
import { renderStillRunningMarkdown } from '../../monitor/diagnosis/renderStillRunning';
import { readProcessEnvironment } from '../../monitor/processes/processEnvironment';
import type { Monitor, WatchedProcess } from '../../monitor/Monitor';
import { formatBytes as formatMemory, shortenCommand } from '../format';
import type { ProcessTerminator } from '../ProcessTerminator';

/** Seconds between the three snapshots when the user does not say otherwise. */
const DEFAULT_OBSERVE_SECONDS = 30;
/** Seconds a "Take CPU Profile" records. */
const CPU_PROFILE_SECONDS = 10;
/** "Why Is It Still Running?" answers kept in storage (one per PID asked about; they name files of the program). */
const ANSWERS_KEPT = 10;
/** The offer, where creation stacks are missing because tracking began late. */
const RESTART_WITH_TRACKING = 'Restart with Handle Tracking';

/** What the diagnosis commands need from the rest of the extension. */
export interface DiagnosisCommandsOptions {
  readonly monitor: Monitor;
  readonly leakWatch: LeakWatch;
  /** The agent server once it is up (undefined before, or when it could not start). */
  readonly agents: () => AgentServer | undefined;
  /** Where diagnoses and captures are stored (extension storage). */
  readonly storageDir: string;
  /** dist/diagnosisWorker.js. */
  readonly workerScript: string;
  /** Processes a user may pick (terminal shells left out). */
  readonly candidates: () => WatchedProcess[];
  /** Diagnoses kept in storage (the processVitals.diagnosis.keep setting). */
  readonly keepDiagnoses: () => number;
  /** Ends a process for "Restart with Handle Tracking" (the user confirms once, in this class's dialog). */
  readonly terminator: ProcessTerminator;
  readonly log: vscode.LogOutputChannel;
}

/**
 * Diagnose Leaks in the editor: pick the process (most suspicious first), state the cost and ask,
 * run the engine's LeakDiagnosis under a cancellable progress notification, and open the report
 * (verdict first, source locations as links, snapshots openable in VS Code's viewers). Also Take
 * Heap Snapshot, Take CPU Profile and Why Is It Still Running? on any agent-enabled process.
 */
export class DiagnosisCommands {
  private running = false;

  constructor(private readonly options: DiagnosisCommandsOptions) {}

  /**
   * Diagnose Leaks on a process given by key (tree item, alert) or picked by the user. `ask: false`
   * is for callers that already have the user's consent (the extension API); it skips the dialog only.
   */
  async diagnoseLeaks(processKey?: string, how: { ask?: boolean; observeSeconds?: number } = {}): Promise<DiagnosisReport | undefined> {
    const observeSeconds = how.observeSeconds ?? DEFAULT_OBSERVE_SECONDS;
    if (this.running) {
      void vscode.window.showInformationMessage('A leak diagnosis is already running.');
      return undefined;
    }
    const target = processKey ? this.options.monitor.watched().find((p) => p.key === processKey) : await this.pick('Diagnose Leaks');
    if (!target) {
      if (processKey) void vscode.window.showWarningMessage('That process is no longer running.');
      return undefined;
    }
    const agents = this.options.agents();
    const diagnosis = new LeakDiagnosis({
      storageDir: join(this.options.storageDir, 'diagnoses'),
      agents,
      keepDiagnoses: this.options.keepDiagnoses(),
      workerScript: this.options.workerScript,
    });
    const name = shortenCommand(target.info.command || target.info.name, 60);
    const estimate = diagnosis.estimate(target.info.pid, observeSeconds);
    if (estimate && !estimate.safe) {
      void vscode.window.showErrorMessage(`Diagnose Leaks refused for ${name}: ${estimate.refusal}`);
      return undefined;
    }
    const detail = estimate
      ? `${estimate.summary}\n\nIt takes about ${Math.round(estimate.durationMs / 1000)} s: three heap snapshots ${observeSeconds} s apart, a sampling allocation profile and a handle report. Each snapshot freezes the program for about ${Math.max(1, Math.round(estimate.freezeMsPerSnapshot))} ms and needs up to ${formatBytes(estimate.targetExtraBytes)} more memory; the files take about ${formatBytes(estimate.diskBytes)}.`
      : `${name} has no Process Vitals agent (not a Node program, or started before the agent was injected): the diagnosis looks at its resident memory and memory maps for ${observeSeconds * 2} s. Restart a Node program from a terminal of this window for heap evidence.`;
    if (how.ask !== false) {
      const go = await vscode.window.showWarningMessage(`Diagnose leaks in ${name} (PID ${target.info.pid})?`, { modal: true, detail }, 'Diagnose');
      if (go !== 'Diagnose') return undefined;
    }

    this.running = true;
    try {
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Diagnosing ${name}`, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          const cancel = token.onCancellationRequested(() => abort.abort());
          let reported = 0;
          try {
            return await diagnosis.run(
              { pid: target.info.pid, name, history: target.history, verdicts: this.options.leakWatch.verdicts(target.key) },
              {
                observeSeconds,
                signal: abort.signal,
                onProgress: (p) => {
                  const increment = Math.max(0, Math.round(p.fraction * 100) - reported);
                  reported += increment;
                  progress.report({ message: p.message, increment });
                },
              },
            );
          } finally {
            cancel.dispose();
          }
        },
      );
      this.options.log.info(`Leak diagnosis of PID ${target.info.pid}: ${report.verdict.outcome}: ${report.verdict.summary} (${report.folder})`);
      await this.openReport(report);
      return report;
    } catch (error) {
      if (error instanceof DiagnosisCancelledError) {
        this.options.log.info(`Leak diagnosis of PID ${target.info.pid} cancelled by the user; its files were removed`);
      } else if (error instanceof DiagnosisRefusedError) {
        void vscode.window.showErrorMessage(`Diagnose Leaks refused: ${error.message}`);
      } else {
        this.options.log.error(`Leak diagnosis of PID ${target.info.pid} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        void vscode.window.showErrorMessage(`Diagnose Leaks failed: ${error instanceof Error ? error.message : String(error)}`, 'Open Output').then((c) => {
          if (c) this.options.log.show();
        });
      }
    } finally {
      this.running = false;
    }
    return undefined;
  }

  /** Takes a heap snapshot (GC first) of an agent-enabled process and opens it in VS Code's heap snapshot viewer. */
  async takeHeapSnapshot(processKey?: string): Promise<void> {
    const target = await this.agentTarget(processKey, 'Take Heap Snapshot');
    if (!target) return;
    const file = this.captureFile(target.process, 'heapsnapshot');
    await this.capture(`Heap snapshot of ${target.label}`, file, (onAccepted) => target.agents.takeHeapSnapshot(target.process.info.pid, file, { onAccepted }));
  }

  /** Records a CPU profile of an agent-enabled process and opens it in VS Code's profile viewer. */
  async takeCpuProfile(processKey?: string): Promise<void> {
    const target = await this.agentTarget(processKey, 'Take CPU Profile');
    if (!target) return;
    const file = this.captureFile(target.process, 'cpuprofile');
    await this.capture(`CPU profile of ${target.label} (${CPU_PROFILE_SECONDS} s)`, file, (onAccepted) =>
      target.agents.takeCpuProfile(target.process.info.pid, CPU_PROFILE_SECONDS, file, { onAccepted }),
    );
  }

  /** Lists what keeps a process alive: its live, ref'd handles and timers with their creation lines. */
  async whyIsItStillRunning(processKey?: string): Promise<void> {
    const target = await this.agentTarget(processKey, 'Why Is It Still Running?');
    if (!target) return;
    const pid = target.process.info.pid;
    try {
      const { report, trackedFromStart } = await this.reportHandles(pid);
      // A file, not an untitled document: the preview resolves the creation-line links relative to it.
      const folder = join(this.options.storageDir, 'answers');
      mkdirSync(folder, { recursive: true });
      const answer = join(folder, `still-running-${pid}.md`);
      writeFileSync(answer, renderStillRunningMarkdown(target.label, pid, report, relativeSourceLinks(folder)), { mode: 0o600 });
      keepNewestFiles(folder, /^still-running-\d+\.md$/, ANSWERS_KEPT);
      await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(answer));
      const untracked = Object.values(report.untracked).reduce((n, c) => n + c, 0);
      if (untracked && !trackedFromStart) {
        // Not awaited: the answer is open; restarting is an offer.
        void vscode.window
          .showInformationMessage(`${untracked} handle(s) of PID ${pid} have no creation line: they were created before tracking began.`, RESTART_WITH_TRACKING)
          .then((choice) => (choice ? this.restartWithTracking(pid) : undefined));
      }
    } catch (error) {
      void vscode.window.showErrorMessage(`Why Is It Still Running? failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * The live handles and timers of a process with an agent (Why Is It Still Running? and the
   * dashboard's inventory). When the agent was not tracking from the start, tracking is on only for
   * the request, so the handles that exist already come back without a creation stack.
   */
  async reportHandles(pid: number): Promise<{ readonly report: HandleReport; readonly trackedFromStart: boolean }> {
    const agents = this.options.agents();
    const connection = agents?.get(pid);
    if (!agents || !connection) throw new Error(`PID ${pid} has no Process Vitals agent: start it again from a terminal of this window (with processVitals.agent.enabled on).`);
    const trackedFromStart = connection.hello.trackingHandlesFromStart;
    if (!trackedFromStart) await agents.startHandleTracking(pid);
    try {
      return { report: await agents.reportHandles(pid), trackedFromStart };
    } finally {
      // Tracking captures a stack per async resource: it is too costly to leave on.
      if (!trackedFromStart) await agents.stopHandleTracking(pid).catch(() => undefined);
    }
  }

  /**
   * Ends an agent-enabled Node process and runs it again, as the same node binary with the same
   * arguments and working directory, in a new terminal with handle tracking on from the start, so
   * that every handle and timer gets its creation stack. The program runs as the terminal's own
   * process (no shell), so its arguments need no quoting on any platform; its environment is the one
   * it was started with where that can be read (Linux), else this window's, which the dialog says.
   */
  async restartWithTracking(pid: number): Promise<void> {
    const agents = this.options.agents();
    const hello = agents?.get(pid)?.hello;
    const watched = this.options.monitor.get(pid);
    if (!hello || !hello.argv.length) {
      void vscode.window.showWarningMessage(`PID ${pid} has no Process Vitals agent connected any more: start it again yourself with ${AGENT_TRACK_HANDLES_ENV}=1 set.`);
      return;
    }
    const [node, ...args] = [hello.argv[0], ...hello.execArgv, ...hello.argv.slice(1)];
    // Read before it ends: the variables it was started with (Linux), so PORT=... and the like survive.
    const originalEnv = readProcessEnvironment(pid);
    const commandLine = [node, ...args].map((a) => (/^[\w./:=@+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
    const ok = await vscode.window.showWarningMessage(
      `Restart PID ${pid} with handle tracking?`,
      {
        modal: true,
        detail:
          `Process Vitals ends it (SIGTERM) and runs it again in a new terminal, in ${hello.cwd}, with ${AGENT_TRACK_HANDLES_ENV}=1:\n\n${shortenCommand(commandLine, 400)}\n\n` +
          (originalEnv
            ? 'It gets the environment it was started with. '
            : 'It gets this window\'s environment: the one it was started with cannot be read on this platform. ') +
          'Tracking costs a stack capture per handle and timer created.',
      },
      'Restart',
    );
    if (ok !== 'Restart') return;
    const ended = await this.options.terminator.terminate([{ pid, key: watched?.key, label: commandLine }], { alreadyConfirmed: true });
    if (!ended) {
      void vscode.window.showWarningMessage(`PID ${pid} is still running: not started again.`);
      return;
    }
    const terminal = vscode.window.createTerminal({
      name: `${basename(hello.argv[1] ?? node)} (handle tracking)`,
      shellPath: node,
      shellArgs: args,
      cwd: hello.cwd,
      // Added to the window's environment (VS Code merges them); the agent's own variables come fresh from this window.
      env: { ...originalEnv, [AGENT_TRACK_HANDLES_ENV]: '1' },
    });
    terminal.show();
    this.options.log.info(`Audit: restarted PID ${pid} with handle tracking in a new terminal: ${commandLine}`);
  }

  /** Lets the user pick a watched process, most suspicious (leaking, then largest) first. */
  private async pick(title: string, filter: (p: WatchedProcess) => boolean = () => true): Promise<WatchedProcess | undefined> {
    const candidates = this.options.candidates().filter(filter);
    if (!candidates.length) {
      void vscode.window.showInformationMessage(`${title}: no watched process to choose. Run a program in a terminal of this window, or use "Watch Process...".`);
      return undefined;
    }
    const leakScore = (p: WatchedProcess) => Math.max(0, ...this.options.leakWatch.verdicts(p.key).filter((v) => v.state === 'leak').map((v) => v.confidence));
    const ranked = [...candidates].sort((a, b) => leakScore(b) - leakScore(a) || (b.latest?.rssBytes ?? 0) - (a.latest?.rssBytes ?? 0));
    const picked = await vscode.window.showQuickPick(
      ranked.map((p) => {
        const leak = this.options.leakWatch.verdicts(p.key).find((v) => v.state === 'leak');
        return {
          process: p,
          label: p.info.name,
          description: `PID ${p.info.pid} · ${formatMemory(p.latest?.rssBytes ?? NaN)}${p.agent?.connected ? ' · agent' : ''}`,
          detail: leak ? `$(warning) ${leak.kind} leak suspected: ${leak.signal} +${formatMemory(leak.rate)}/s (${Math.round(leak.confidence * 100)}%)` : shortenCommand(p.info.command, 120),
        };
      }),
      { title, placeHolder: 'Pick a process (leak suspects first)', matchOnDescription: true, matchOnDetail: true },
    );
    return picked?.process;
  }

  private async agentTarget(processKey: string | undefined, title: string) {
    const agents = this.options.agents();
    const hasAgent = (p: WatchedProcess) => agents?.get(p.info.pid) !== undefined;
    const process = processKey ? this.options.monitor.watched().find((p) => p.key === processKey) : await this.pick(title, hasAgent);
    if (!process) return undefined;
    if (!agents || !hasAgent(process)) {
      void vscode.window.showWarningMessage(`${title} needs the Process Vitals agent in the process: start it again from a terminal of this window (with processVitals.agent.enabled on).`);
      return undefined;
    }
    return { process, agents, label: shortenCommand(process.info.command || process.info.name, 50) };
  }

  private captureFile(process: WatchedProcess, extension: string): string {
    const folder = join(this.options.storageDir, 'captures');
    mkdirSync(folder, { recursive: true });
    return join(folder, `${process.info.name.replace(/[^\w.-]/g, '_')}-${process.info.pid}-${new Date().toISOString().replace(/[:.]/g, '-')}.${extension}`);
  }

  private async capture(title: string, file: string, take: (onAccepted: (estimate: CostEstimate) => void) => Promise<unknown>): Promise<void> {
    try {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, (progress) =>
        // The agent states the cost before it starts: the user sees it while it runs.
        take((estimate) => progress.report({ message: estimate.note })),
      );
      this.options.log.info(`${title} written to ${file}`);
      // Captures are as large as diagnoses: the same setting bounds how many of each kind are kept.
      const extension = extname(file);
      for (const removed of keepNewestFiles(dirname(file), new RegExp(`\\${extension}$`), this.options.keepDiagnoses())) this.options.log.info(`Removed an older capture: ${removed}`);
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file));
    } catch (error) {
      void vscode.window.showErrorMessage(`${title} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async openReport(report: DiagnosisReport): Promise<void> {
    const { markdown } = writeDiagnosisReport(report, report.folder);
    await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(markdown));
    const outcome = { leak: 'Leak found', 'no-leak': 'No leak found', inconclusive: 'Inconclusive' }[report.verdict.outcome];
    // Not awaited: the report is open; the buttons are offers, not a step of the diagnosis.
    const untracked = Object.keys(report.handles?.untracked ?? {}).length > 0;
    const actions = ['Export', 'Open Snapshot', ...(untracked ? [RESTART_WITH_TRACKING] : [])];
    void vscode.window.showInformationMessage(`${outcome}: ${report.verdict.summary}`, ...actions).then(async (choice) => {
      if (choice === 'Export') await this.exportReport(report);
      else if (choice === RESTART_WITH_TRACKING) await this.restartWithTracking(report.pid);
      else if (choice === 'Open Snapshot') {
        const snapshot = report.files.find((f) => f.kind === 'finalSnapshot') ?? report.files[0];
        if (snapshot) await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(snapshot.path));
      }
    });
  }

  /** Copies the report (Markdown and JSON) next to the workspace, in a folder the user can delete. */
  private async exportReport(report: DiagnosisReport): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
      void vscode.window.showWarningMessage('Open a folder to export the report next to it.');
      return;
    }
    const ok = await vscode.window.showWarningMessage('Export the leak report to .process-vitals/ in the workspace?', { modal: true, detail: SNAPSHOT_SECRETS_WARNING }, 'Export');
    if (ok !== 'Export') return;
    const target = join(folder.uri.fsPath, '.process-vitals', basename(report.folder));
    mkdirSync(target, { recursive: true });
    const written = writeDiagnosisReport(report, target);
    this.options.log.info(`Leak report exported to ${target}`);
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(written.markdown));
  }
}
