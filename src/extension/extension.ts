/**
 * The composition root: activate() builds the engine and the views, wires them, and hands every
 * disposable to context.subscriptions. Nothing else in the extension holds module-level state.
 */
import * as vscode from 'vscode';
import { renderDiagnosisMarkdown } from '../monitor/diagnosis/renderDiagnosisMarkdown';
import { LeakWatch } from '../monitor/leaks/LeakWatch';
import { Monitor, type MonitorWarning } from '../monitor/Monitor';
import { AgentInjection } from './AgentInjection';
import { AlertCenter } from './alerts/AlertCenter';
import { readAlertSettings } from './alerts/alertSettings';
import { AlertsTreeView } from './alerts/AlertsTreeView';
import type { ProcessVitalsApi } from './api';
import { Commands, ContextKeys, PREFIX, Views } from './contributions';
import { DashboardController } from './dashboard/DashboardController';
import { originsByProcessKey } from './dashboard/dashboardData';
import { DebugSessionTracker } from './DebugSessionTracker';
import { DiagnosisCommands } from './diagnosis/DiagnosisCommands';
import { formatBytes } from './format';
import { OrphanTracker } from './OrphanTracker';
import { pickProcessToWatch } from './pickProcessToWatch';
import { ProcessTerminator } from './ProcessTerminator';
import { buildProcessTree, totalsOf, type OriginRoot } from './ProcessTreeModel';
import { ProcessTreeView } from './ProcessTreeView';
import { readSettings } from './settings';
import { TaskProcessTracker } from './TaskProcessTracker';
import { TerminalProcessTracker } from './TerminalProcessTracker';
import { VitalsStatusBar } from './VitalsStatusBar';
import { WatchList } from './WatchList';

/** Activates the extension; the returned API is for tests and other extensions. */
export function activate(context: vscode.ExtensionContext): ProcessVitalsApi {
  const log = vscode.window.createOutputChannel('Process Vitals', { log: true });
  context.subscriptions.push(log);

  const readConfiguration = () => {
    const configuration = vscode.workspace.getConfiguration(PREFIX);
    const result = readSettings((key) => configuration.get(key));
    for (const problem of result.problems) log.warn(`Setting ignored: ${problem}`);
    return result.settings;
  };
  let settings = readConfiguration();
  const readAlertConfiguration = () => {
    const configuration = vscode.workspace.getConfiguration(PREFIX);
    const result = readAlertSettings((key) => configuration.get(key));
    for (const problem of result.problems) log.warn(`Setting ignored: ${problem}`);
    return result.settings;
  };

  const monitor = new Monitor({
    intervalMs: settings.samplingIntervalMs,
    historyMinutes: settings.historyMinutes,
    workerScript: vscode.Uri.joinPath(context.extensionUri, 'dist', 'monitorWorker.js').fsPath,
  });
  context.subscriptions.push(monitor);

  // The agent's server listens asynchronously; monitoring starts at once and V8 vitals join when it is up.
  let agentInjection: AgentInjection | undefined;
  let deactivated = false;
  context.subscriptions.push({ dispose: () => (deactivated = true) });
  void AgentInjection.start(context, log, settings.agentEnabled).then((injection) => {
    if (!injection) return;
    if (deactivated) return injection.dispose();
    agentInjection = injection;
    context.subscriptions.push(injection, injection.server.onWarning((warning) => log.warn(warning.message)));
    monitor.attachAgents(injection.server);
    debugSessions.attachAgents(injection.server);
    // A dashboard restored with the window may have focused a process before the server was up.
    const closelyWatched = dashboard.closelyWatched();
    if (closelyWatched !== undefined) injection.server.setDetail(closelyWatched, true);
  });

  const terminator = new ProcessTerminator(monitor, log);
  const treeModel = new ProcessTreeView();
  const treeView = vscode.window.createTreeView(Views.processes, { treeDataProvider: treeModel, showCollapseAll: true });
  const orphans = new OrphanTracker(
    monitor,
    log,
    context.globalState,
    () => void vscode.commands.executeCommand(`${Views.processes}.focus`),
    (pids) => void terminator.terminate(pids.map((pid) => ({ pid, key: monitor.get(pid)?.key, label: monitor.get(pid)?.info.command ?? `PID ${pid}` }))),
  );
  const handOffOrphans = orphans.adopt.bind(orphans);
  const terminals = new TerminalProcessTracker(monitor, log, handOffOrphans);
  const tasks = new TaskProcessTracker(monitor, log, handOffOrphans);
  const debugSessions = new DebugSessionTracker(monitor, log, handOffOrphans);
  const watchList = new WatchList(monitor, log);
  const statusBar = new VitalsStatusBar();
  context.subscriptions.push(treeModel, treeView, orphans, terminals, tasks, debugSessions, watchList, statusBar);
  // Subscribed in this order on purpose: each tick updates the leak verdicts, then the alerts that read
  // them, then (below) the tree and status bar that show both.
  const leakOptions = () => ({ trend: { startupSeconds: settings.leakStartupSeconds } });
  const leakWatch = new LeakWatch(monitor, leakOptions(), (error) => log.error(`Leak detector: ${String(error)}`));
  context.subscriptions.push(leakWatch);
  context.subscriptions.push(
    leakWatch.onDidChangeVerdict(({ pid, verdict }) => {
      const rate = verdict.kind === 'handles' ? `${verdict.rate.toFixed(2)} handles` : formatBytes(verdict.rate);
      if (verdict.state === 'leak') log.warn(`Leak suspected in PID ${pid}: ${verdict.signal} grows ${rate}/s (${Math.round(verdict.confidence * 100)}% confidence)`);
      else log.debug(`PID ${pid}: ${verdict.signal} is ${verdict.state}`);
    }),
  );
  const alerts = new AlertCenter(monitor, log, context.workspaceState, readAlertConfiguration(), (processKey) => leakWatch.verdicts(processKey), {
    diagnoseLeaks: (processKey) => void vscode.commands.executeCommand(Commands.diagnoseLeaks, processKey),
    openDashboard: (processKey) => void vscode.commands.executeCommand(Commands.openDashboard, processKey),
  });
  context.subscriptions.push(alerts);

  const origins = (): OriginRoot[] => [
    ...terminals.origins(),
    ...tasks.origins(),
    ...debugSessions.origins(),
    ...watchList.origins(),
    ...orphans.origins(),
  ];

  const tickEmitter = new vscode.EventEmitter<void>();
  context.subscriptions.push(tickEmitter);
  let failure: string | undefined;
  const render = () => {
    const roots = origins();
    const processes = monitor.watched();
    treeModel.update(buildProcessTree(roots, processes, Date.now(), (processKey) => leakWatch.verdicts(processKey)));
    const open = alerts.active();
    statusBar.update({
      totals: totalsOf(roots, processes),
      paused: monitor.paused,
      failure,
      alerts: { open: open.length, unacknowledged: open.filter((a) => a.state === 'firing').length },
    });
  };

  const reportedWarnings = new Set<string>();
  const onWarning = (warning: MonitorWarning) => {
    if (warning.code === 'worker-gave-up') {
      failure = warning.message;
      log.error(warning.message);
      void vscode.window.showErrorMessage('Process Vitals stopped sampling after repeated failures.', 'Open Output').then((choice) => {
        if (choice) log.show();
      });
      render();
      return;
    }
    // Sources report a denied PID once, but a restarting worker would repeat it: log each text once.
    const key = `${warning.code}:${warning.pid ?? ''}:${warning.message}`;
    if (reportedWarnings.has(key)) return;
    if (reportedWarnings.size > 1000) reportedWarnings.clear();
    reportedWarnings.add(key);
    log.warn(warning.message);
  };

  for (const subscription of [
    monitor.onDidSample(() => {
      failure = undefined;
      render();
      tickEmitter.fire();
    }),
    monitor.onWarning(onWarning),
    monitor.onDidExit((exited) => {
      for (const { info } of exited) log.trace(`Process ${info.pid} (${info.name}) exited`);
    }),
  ]) {
    context.subscriptions.push(subscription);
  }
  for (const source of [terminals, tasks, debugSessions, orphans, alerts]) context.subscriptions.push(source.onDidChange(render));

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration(PREFIX)) return;
      settings = readConfiguration();
      monitor.configure(settings.samplingIntervalMs, settings.historyMinutes);
      agentInjection?.setEnabled(settings.agentEnabled);
      alerts.configure(readAlertConfiguration());
      leakWatch.configure(leakOptions());
      log.info(`Settings changed: sampling every ${settings.samplingIntervalMs} ms, ${settings.historyMinutes} min of history`);
    }),
  );

  const setPaused = (paused: boolean) => {
    if (paused) monitor.pause();
    else monitor.resume();
    void vscode.commands.executeCommand('setContext', ContextKeys.paused, paused);
    log.info(paused ? 'Monitoring paused by the user' : 'Monitoring resumed by the user');
    render();
  };

  // Terminal shells are the terminals themselves: the dashboard and the pickers leave them out, like the status bar.
  const visibleProcesses = () => {
    // A terminal's own process is its shell, except in a terminal made to run a program directly
    // (Restart with Handle Tracking makes one): a process with an agent is a Node program.
    const shells = new Set(origins().filter((o) => o.kind === 'terminal').map((o) => o.rootPid));
    return monitor.watched().filter((p) => !shells.has(p.info.pid) || agentInjection?.server?.get(p.info.pid) !== undefined);
  };

  // From the palette no argument; from the Processes tree a tree element; from the Alerts tree an
  // alert; from a notification or another extension a process key (pid@startTime).
  const processKeyOf = (arg: unknown): string | undefined =>
    typeof arg === 'string' ? arg : ProcessTreeView.nodeOf(arg)?.processKey ?? AlertsTreeView.alertOf(arg)?.processKey;

  const register = (id: string, handler: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, handler));

  // Both commands also take a PID argument, so keybindings and other extensions can skip the picker.
  register(Commands.watchProcess, async (arg) => {
    const picked = isPid(arg)
      ? { pid: arg, label: `PID ${arg}` }
      : await pickProcessToWatch(() => monitor.listAllProcesses(), (pid) => watchList.has(pid));
    if (!picked) return;
    if (!processExists(picked.pid)) {
      void vscode.window.showWarningMessage(`There is no process with PID ${picked.pid}.`);
      return;
    }
    watchList.watch(picked.pid, picked.label);
    monitor.tickNow();
    void vscode.commands.executeCommand(`${Views.processes}.focus`);
  });
  register(Commands.stopWatching, async (arg) => {
    let pid = isPid(arg) ? arg : ProcessTreeView.nodeOf(arg)?.pid;
    if (pid === undefined) {
      const items = watchList.origins().map((o) => ({ label: o.label, description: `PID ${o.rootPid}`, pid: o.rootPid }));
      if (!items.length) {
        void vscode.window.showInformationMessage('No process is being watched with "Watch Process...".');
        return;
      }
      pid = (await vscode.window.showQuickPick(items, { title: 'Stop Watching' }))?.pid;
    }
    if (pid === undefined) return;
    if (watchList.unwatch(pid) || orphans.release(pid)) render();
  });
  register(Commands.terminate, async (arg) => {
    const node = ProcessTreeView.nodeOf(arg);
    if (node?.pid === undefined) return;
    await terminator.terminate([{ pid: node.pid, key: node.processKey, label: node.command ?? node.label }]);
  });
  register(Commands.pauseMonitoring, () => setPaused(true));
  register(Commands.resumeMonitoring, () => setPaused(false));
  register(Commands.refresh, () => monitor.tickNow());
  register(Commands.copyPid, async (arg) => {
    const pid = ProcessTreeView.nodeOf(arg)?.pid;
    if (pid !== undefined) await vscode.env.clipboard.writeText(String(pid));
  });
  register(Commands.showLog, () => log.show());
  register(Commands.acknowledgeAlert, (arg) => {
    const alert = AlertsTreeView.alertOf(arg);
    if (alert) alerts.acknowledge(alert);
  });
  register(Commands.resolveAlert, (arg) => {
    const alert = AlertsTreeView.alertOf(arg);
    if (alert) alerts.resolve(alert);
  });
  register(Commands.revealProcess, async (arg) => {
    const processKey = AlertsTreeView.alertOf(arg)?.processKey ?? (typeof arg === 'string' ? arg : undefined);
    const element = processKey ? treeModel.elementOfProcess(processKey) : undefined;
    if (!element) {
      void vscode.window.showInformationMessage('That process is no longer in the Processes view.');
      return;
    }
    await treeView.reveal(element, { select: true, focus: true, expand: true });
  });
  const diagnosis = new DiagnosisCommands({
    monitor,
    leakWatch,
    agents: () => agentInjection?.server,
    storageDir: context.globalStorageUri.fsPath,
    workerScript: vscode.Uri.joinPath(context.extensionUri, 'dist', 'diagnosisWorker.js').fsPath,
    candidates: visibleProcesses,
    keepDiagnoses: () => settings.diagnosisKeep,
    terminator,
    log,
  });
  register(Commands.diagnoseLeaks, (arg) => diagnosis.diagnoseLeaks(processKeyOf(arg)));
  const dashboard = new DashboardController({
    monitor,
    processes: visibleProcesses,
    log,
    originsOf: () => originsByProcessKey(buildProcessTree(origins(), monitor.watched())),
    extensionUri: context.extensionUri,
    extensionVersion: String((context.extension.packageJSON as { version?: unknown }).version ?? ''),
    workspaceState: context.workspaceState,
    alerts,
    leakVerdicts: (processKey) => leakWatch.verdicts(processKey),
    inspectHandles: (pid) => diagnosis.reportHandles(pid),
  });
  context.subscriptions.push(dashboard);
  // The process a user looks at closely in the dashboard gets fine detail from its agent (a fine
  // event-loop delay resolution, every GC observed); the server repeats it when the agent reconnects.
  context.subscriptions.push(dashboard.onDidChangeCloselyWatched(({ pid, closely }) => agentInjection?.server.setDetail(pid, closely)));
  // From a tree item the argument is the item's element: the dashboard opens focused on that process.
  register(Commands.openDashboard, (arg) => dashboard.open(processKeyOf(arg)));
  register(Commands.takeHeapSnapshot, (arg) => diagnosis.takeHeapSnapshot(processKeyOf(arg)));
  register(Commands.takeCpuProfile, (arg) => diagnosis.takeCpuProfile(processKeyOf(arg)));
  register(Commands.whyIsItStillRunning, (arg) => diagnosis.whyIsItStillRunning(processKeyOf(arg)));

  void vscode.commands.executeCommand('setContext', ContextKeys.paused, false);
  render();
  log.info(`Process Vitals started: sampling every ${settings.samplingIntervalMs} ms on ${process.platform}`);

  return {
    getProcessTree: () => treeModel.snapshot(),
    onDidChangeProcessTree: treeModel.onDidChangeModel,
    onDidTick: tickEmitter.event,
    getStatusBar: () => statusBar.snapshot(),
    getEndedTasks: () => tasks.ended().map((t) => ({ ...t })),
    getDebuggees: () => debugSessions.debuggeeSources(),
    getAgent: (pid) => {
      const connection = agentInjection?.server.get(pid);
      if (!connection) return undefined;
      const latest = connection.latest;
      return { connectedAt: connection.connectedAt, nodeVersion: connection.hello.nodeVersion, heapUsed: latest?.memory.heapUsed, loopDelayResolutionMs: latest?.eventLoopDelay.resolutionMs };
    },
    getAgentInjectionState: () => agentInjection?.state ?? 'unavailable',
    getAlerts: () => alerts.active().map((a) => ({ ...a })),
    getAlertsTree: () => alerts.treeSnapshot(),
    processKeyOf: (pid) => monitor.get(pid)?.key,
    diagnoseLeaks: async (processKey, observeSeconds) => {
      const report = await diagnosis.diagnoseLeaks(processKey, { ask: false, observeSeconds });
      if (!report) return undefined;
      const { outcome, kinds, summary } = report.verdict;
      return { outcome, kinds, summary, folder: report.folder, markdown: renderDiagnosisMarkdown(report) };
    },
  };
}

/** Nothing to do: every resource is in context.subscriptions. */
export function deactivate(): void {}

/** Whether a command argument is a PID. */
function isPid(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/** Whether a PID names a live process (EPERM means it exists but belongs to someone else). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
