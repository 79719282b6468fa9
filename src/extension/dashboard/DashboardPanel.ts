/**
 * One open dashboard: a webview panel in an editor tab. Works only while someone looks: the page is
 * discarded when its tab is hidden (no retainContextWhenHidden), so ticks and system sampling run
 * only between the page's `ready` and the tab being hidden, and every `ready` gets a full
 * hydration from the monitor's ring buffers.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { HandleReport } from '../../agent/agentProtocol';
import type { Alert } from '../../monitor/alerts/AlertEngine';
import type { LeakVerdict } from '../../monitor/leaks/LeakVerdict';
import type { Monitor } from '../../monitor/Monitor';
import type { SystemStats } from '../../monitor/processes/SystemStatsSampler';
import { Commands, WorkspaceStateKeys } from '../contributions';
import {
  PROTOCOL_LIMITS,
  PROTOCOL_VERSION,
  TIME_RANGE_MS,
  parseToHost,
  type ChartMarker,
  type DashboardViewState,
  type SystemSnapshot,
  type ToHostMessage,
  type ToWebviewMessage,
} from '../../webview/protocol';
import { MarkerDeltaBuilder } from './chartMarkers';
import { buildHydration, snapshotOf, TickDeltaBuilder, type DashboardProcess } from './dashboardData';
import { inventoryMessageOf, OpenableLocations } from './handleInventory';
import { buildCsv, buildRecording, exportFileName } from './dashboardExport';
import { dashboardHtml } from './dashboardHtml';

/** System stats are sampled this often while the panel is visible (they spawn `df`). */
const SYSTEM_STATS_INTERVAL_MS = 10_000;
/** A second system sample this soon after the first, so CPU% (a difference) shows without a 10 s wait. */
const SYSTEM_STATS_FIRST_DELTA_MS = 1_000;

/** What a panel needs from the extension. */
export interface DashboardServices {
  readonly monitor: Pick<Monitor, 'interval' | 'onDidSample' | 'onDidAgentReport' | 'onDidExit'>;
  /** The processes the dashboard shows (the watched ones, minus terminal shells, as in the status bar). */
  readonly processes: () => readonly DashboardProcess[];
  readonly log: vscode.LogOutputChannel;
  /** Process key -> origin label ("Terminal: dev"), as the Processes tree attributes them. */
  readonly originsOf: () => ReadonlyMap<string, string>;
  readonly extensionUri: vscode.Uri;
  readonly extensionVersion: string;
  readonly workspaceState: vscode.Memento;
  readonly sampleSystem: () => Promise<SystemStats>;
  /** Open alerts and what the user can do with them (absent: the page says alerts are unavailable). */
  readonly alerts?: DashboardAlertSource;
  /** The leak detector's verdicts of a process (absent: the page says verdicts are unavailable). */
  readonly leakVerdicts?: (processKey: string) => readonly LeakVerdict[];
  /** The live handles and timers of a process with an agent, on request (absent: the panel says it is unavailable). */
  readonly inspectHandles?: (pid: number) => Promise<{ readonly report: HandleReport; readonly trackedFromStart: boolean }>;
  /** Chart markers (alerts, leak onsets, major GCs) of these processes at or after fromTime, oldest first. */
  readonly markers?: (processKeys: Iterable<string>, fromTime: number) => ChartMarker[];
}

/** Where the dashboard gets alerts from (the AlertCenter). */
export interface DashboardAlertSource {
  active(): readonly Alert[];
  readonly onDidChange: vscode.Event<void>;
  acknowledge(alert: Alert): void;
  resolve(alert: Alert): void;
}

/** The resource folders the page may load from. */
export function dashboardResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

/** Webview options of the dashboard (also re-applied to a panel restored after a reload). */
export function dashboardWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: dashboardResourceRoots(extensionUri) };
}

/** An open dashboard tab. */
export class DashboardPanel implements vscode.Disposable {
  private state: DashboardViewState;
  private pageReady = false;
  private readonly deltas = new TickDeltaBuilder();
  private readonly markerDeltas = new MarkerDeltaBuilder();
  /** Source files of the inventories this page was sent: the only ones it may ask to open. */
  private readonly openable = new OpenableLocations();
  /** Processes whose handle inventory is being taken (one request per process at a time). */
  private readonly inspecting = new Set<string>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private systemTimer: NodeJS.Timeout | undefined;
  private lastSystem: SystemSnapshot | null = null;
  /** What the page was last sent about leaks, so unchanged verdicts are not re-sent every tick. */
  private lastVerdictsKey = '';
  private readonly reportedProblems = new Set<string>();
  private disposed = false;
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  /** Fires once, when the tab is closed or the panel disposed. */
  readonly onDidDispose = this.disposeEmitter.event;
  private readonly closeWatchEmitter = new vscode.EventEmitter<void>();
  /** Fires when closelyWatched() may have changed (focus, visibility, disposal). */
  readonly onDidChangeCloselyWatched = this.closeWatchEmitter.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    initialState: DashboardViewState,
    private readonly services: DashboardServices,
  ) {
    this.state = initialState;
    const webview = panel.webview;
    webview.options = dashboardWebviewOptions(services.extensionUri);
    this.subscriptions.push(
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        // A hidden page is discarded; it posts `ready` again when shown and is re-hydrated then.
        if (!panel.visible) this.pageGone();
        this.closeWatchEmitter.fire();
      }),
      webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      services.monitor.onDidSample((batch) => this.onTick(batch.time)),
    );
    if (services.alerts) {
      this.subscriptions.push(
        services.alerts.onDidChange(() => {
          this.postAlerts();
          this.postMarkers();
        }),
      );
    }
    webview.html = this.html();
  }

  /** The state the tab shows (range, focus, toggles). */
  get viewState(): DashboardViewState {
    return this.state;
  }

  /**
   * The process a user is looking at closely: the one the charts focus on while the tab is
   * visible. Its agent is asked for fine detail meanwhile (fine event-loop delay resolution, every
   * GC observed), which costs too much to ask of every process all the time.
   */
  closelyWatched(): string | undefined {
    return !this.disposed && this.panel.visible ? this.state.focusKey ?? undefined : undefined;
  }

  /** Brings the tab forward, focused on one process (or all, with null). */
  reveal(focusKey: string | null | undefined): void {
    if (focusKey !== undefined && focusKey !== this.state.focusKey) {
      this.state = { ...this.state, focusKey };
      if (this.pageReady) this.hydrate();
      this.closeWatchEmitter.fire();
    }
    this.panel.reveal();
  }

  private html(): string {
    const webview = this.panel.webview;
    const asset = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.services.extensionUri, 'dist', 'webview', ...path)).toString();
    return dashboardHtml({
      cspSource: webview.cspSource,
      scriptUri: asset('dashboard.js'),
      styleUri: asset('dashboard.css'),
      codiconStyleUri: asset('codicon.css'),
    });
  }

  private post(message: ToWebviewMessage): void {
    if (this.disposed) return;
    void this.panel.webview.postMessage(message).then(undefined, (error: unknown) => this.reportOnce('post', `Dashboard: posting ${message.type} failed: ${String(error)}`));
  }

  private hydrate(): void {
    const processes = this.services.processes();
    const origins = this.services.originsOf();
    const now = Date.now();
    const sessionStart = Math.min(now, ...processes.map((p) => p.firstSeen ?? p.info.startTime));
    const markers = this.services.markers?.(processes.map((p) => p.key), this.rangeStart(now)) ?? [];
    const message = buildHydration({
      processes,
      originOf: (key) => origins.get(key) ?? null,
      state: this.state,
      now,
      intervalMs: this.services.monitor.interval,
      sessionStart,
      markers,
      system: this.lastSystem,
      features: { alerts: !!this.services.alerts, leakVerdicts: !!this.services.leakVerdicts, handleInventory: !!this.services.inspectHandles },
    });
    this.deltas.reset(message);
    this.markerDeltas.reset(message.markers);
    this.post(message);
    // A fresh page knows nothing: send alerts and verdicts whether or not they changed.
    this.lastVerdictsKey = '';
    this.postAlerts();
    this.postVerdicts();
  }

  /** The oldest time the page shows for its range. */
  private rangeStart(now: number): number {
    return this.state.range === 'session' ? Number.NEGATIVE_INFINITY : now - TIME_RANGE_MS[this.state.range];
  }

  /** Sends markers that appeared, moved or went away since the page last heard (ticks and alert changes). */
  private postMarkers(): void {
    const markersOf = this.services.markers;
    if (!markersOf || !this.pageReady || !this.panel.visible || this.state.paused) return;
    const fromTime = this.rangeStart(Date.now());
    const delta = this.markerDeltas.build(markersOf(this.services.processes().map((p) => p.key), fromTime), fromTime);
    if (delta) this.post({ v: PROTOCOL_VERSION, type: 'markers', markers: delta.markers.slice(-PROTOCOL_LIMITS.markers), removed: delta.removed.slice(0, PROTOCOL_LIMITS.markers) });
  }

  /** Sends the open alerts (on hydration and whenever they change). */
  private postAlerts(): void {
    const source = this.services.alerts;
    if (!source || !this.pageReady || !this.panel.visible) return;
    const alerts = source.active().slice(0, PROTOCOL_LIMITS.alerts).map((a) => ({
      id: a.id,
      processKey: a.processKey,
      rule: a.rule,
      severity: a.severity,
      state: a.state,
      message: `${a.processName} (${a.pid}): ${a.message}`,
      since: a.firedAt,
    }));
    this.post({ v: PROTOCOL_VERSION, type: 'alerts', alerts });
  }

  /** Sends the current leak verdicts of the shown processes (leaks only: steady signals need no panel). */
  private postVerdicts(): void {
    const verdictsOf = this.services.leakVerdicts;
    if (!verdictsOf || !this.pageReady || !this.panel.visible) return;
    const verdicts = this.services.processes().flatMap((p) =>
      verdictsOf(p.key)
        .filter((v) => v.state === 'leak')
        .map((v) => ({ processKey: p.key, kind: v.kind, ratePerSecond: v.rate, confidence: v.confidence, onset: v.onsetTime ?? null, secondsToLimit: v.secondsToLimit ?? null })),
    );
    const key = JSON.stringify(verdicts.map((v) => [v.processKey, v.kind, Math.round(v.ratePerSecond), Math.round(v.confidence * 100)]));
    if (key === this.lastVerdictsKey) return;
    this.lastVerdictsKey = key;
    this.post({ v: PROTOCOL_VERSION, type: 'leakVerdicts', verdicts: verdicts.slice(0, PROTOCOL_LIMITS.verdicts) });
  }

  private onTick(time: number): void {
    if (!this.pageReady || !this.panel.visible || this.state.paused) return;
    const origins = this.services.originsOf();
    this.post(this.deltas.build(time, this.services.processes(), (key) => origins.get(key) ?? null));
    this.postVerdicts();
    this.postMarkers();
  }

  private pageGone(): void {
    this.pageReady = false;
    this.stopSystemSampling();
  }

  private startSystemSampling(): void {
    this.stopSystemSampling();
    const sampleAndPost = async () => {
      const stats = await this.services.sampleSystem();
      if (stats.error) this.reportOnce(`system:${stats.error}`, `Dashboard: system stats incomplete: ${stats.error}`);
      if (!this.pageReady) return;
      this.lastSystem = snapshotOf(stats);
      this.post({ v: PROTOCOL_VERSION, type: 'system', system: this.lastSystem });
    };
    const schedule = (delay: number) => {
      this.systemTimer = setTimeout(() => {
        void sampleAndPost().finally(() => {
          if (this.pageReady && !this.disposed) schedule(SYSTEM_STATS_INTERVAL_MS);
        });
      }, delay);
    };
    void sampleAndPost();
    schedule(SYSTEM_STATS_FIRST_DELTA_MS);
  }

  private stopSystemSampling(): void {
    if (this.systemTimer) clearTimeout(this.systemTimer);
    this.systemTimer = undefined;
  }

  private receive(raw: unknown): void {
    const parsed = parseToHost(raw);
    if (!parsed.ok) {
      this.reportOnce(`invalid:${parsed.error}`, `Dashboard: dropped an invalid message from the page: ${parsed.error}`);
      return;
    }
    void this.handle(parsed.value).catch((error: unknown) => {
      const text = error instanceof Error ? error.stack ?? error.message : String(error);
      this.services.log.error(`Dashboard: ${parsed.value.type} failed: ${text}`);
      void vscode.window.showErrorMessage(`Process Vitals: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private async handle(message: ToHostMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.pageReady = true;
        this.hydrate();
        this.startSystemSampling();
        return;
      case 'setRange':
        this.state = { ...this.state, range: message.range };
        this.hydrate();
        return;
      case 'focus':
        this.state = { ...this.state, focusKey: message.processKey };
        this.closeWatchEmitter.fire();
        return;
      case 'setPaused':
        this.state = { ...this.state, paused: message.paused };
        // Resuming re-hydrates: the page missed the ticks of the pause.
        if (!message.paused) this.hydrate();
        return;
      case 'toggleSeries': {
        const hidden = new Set(this.state.hiddenSeries);
        if (message.visible) hidden.delete(message.seriesKey);
        else hidden.add(message.seriesKey);
        this.state = { ...this.state, hiddenSeries: [...hidden] };
        await this.services.workspaceState.update(WorkspaceStateKeys.dashboardHiddenSeries, this.state.hiddenSeries);
        return;
      }
      case 'export':
        return message.format === 'csv' ? this.exportCsv() : this.exportRecording();
      case 'savePng':
        return this.savePng(message.chartTitle, message.dataUrl);
      case 'openLocation':
        return this.openLocation(message.path, message.line, message.column);
      case 'inspectHandles':
        return this.inspectHandles(message.processKey);
      case 'alertAction': {
        // The page only names an alert; the host acts on the one it knows by that id, if still open.
        const alert = this.services.alerts?.active().find((a) => a.id === message.alertId);
        if (!alert) return;
        if (message.action === 'acknowledge') this.services.alerts!.acknowledge(alert);
        else if (message.action === 'resolve') this.services.alerts!.resolve(alert);
        else await vscode.commands.executeCommand(Commands.diagnoseLeaks, alert.processKey);
        return;
      }
      case 'diagnoseLeaks':
        // A process key (pid@startTime) cannot hit a process that reused the PID; none opens the picker.
        await vscode.commands.executeCommand(Commands.diagnoseLeaks, message.processKey ?? undefined);
        return;
      case 'cspViolation':
        this.reportOnce(
          `csp:${message.directive}:${message.blockedUri}`,
          `Dashboard: Content-Security-Policy violation: ${message.directive} blocked ${message.blockedUri || '(inline)'} in ${message.sourceFile || 'the page'}`,
          'error',
        );
        return;
      case 'pageError':
        this.reportOnce(`page:${message.message}`, `Dashboard page error: ${message.message}`, 'error');
        return;
    }
  }

  private processByKey(key: string | null): DashboardProcess | undefined {
    if (key === null) return undefined;
    return this.services.processes().find((p) => p.key === key);
  }

  private async exportCsv(): Promise<void> {
    const focused = this.processByKey(this.state.focusKey);
    const processes = focused ? [focused] : this.services.processes();
    if (!processes.length) {
      void vscode.window.showInformationMessage('Process Vitals: there are no processes to export yet.');
      return;
    }
    const now = Date.now();
    const text = buildCsv({ processes, hiddenSeries: this.state.hiddenSeries, range: this.state.range, now });
    const name = focused ? `${focused.info.name}-${focused.info.pid}` : 'processes';
    await this.saveAs(exportFileName(name, 'csv', now), { 'CSV files': ['csv'] }, Buffer.from(text, 'utf8'), 'CSV');
  }

  private async exportRecording(): Promise<void> {
    let target = this.processByKey(this.state.focusKey);
    if (!target) {
      const processes = this.services.processes();
      if (!processes.length) {
        void vscode.window.showInformationMessage('Process Vitals: there are no processes to record yet.');
        return;
      }
      const picked = await vscode.window.showQuickPick(
        processes.map((p) => ({ label: p.info.name, description: `PID ${p.info.pid}`, detail: p.info.command, process: p })),
        { title: 'Export Recording', placeHolder: 'A recording holds one process: which one?' },
      );
      if (!picked) return;
      target = picked.process;
    }
    const now = Date.now();
    const text = buildRecording({
      process: target,
      origin: this.services.originsOf().get(target.key) ?? null,
      range: this.state.range,
      now,
      intervalMs: this.services.monitor.interval,
      recorder: 'process-vitals dashboard',
      recorderVersion: this.services.extensionVersion,
      platform: `${os.platform()}-${os.arch()}`,
    });
    await this.saveAs(exportFileName(`${target.info.name}-${target.info.pid}`, 'ndjson', now), { 'Process Vitals recordings': ['ndjson', 'jsonl'] }, Buffer.from(text, 'utf8'), 'recording');
  }

  private async savePng(chartTitle: string, dataUrl: string): Promise<void> {
    const bytes = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
    await this.saveAs(exportFileName(chartTitle, 'png', Date.now()), { 'PNG images': ['png'] }, bytes, 'chart');
  }

  private async saveAs(fileName: string, filters: Record<string, string[]>, bytes: Uint8Array, what: string): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(folder, fileName), filters, title: `Save ${what}` });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, bytes);
    this.services.log.info(`Dashboard: saved ${what} to ${target.fsPath} (${bytes.byteLength} bytes)`);
    void vscode.window.showInformationMessage(`Process Vitals: saved ${what} to ${vscode.workspace.asRelativePath(target)}.`);
  }

  /** Asks the process's agent for its handles and timers and sends them, saying so while it runs or when it fails. */
  private async inspectHandles(processKey: string): Promise<void> {
    const inspect = this.services.inspectHandles;
    const target = this.processByKey(processKey);
    const status = (state: 'pending' | 'failed', message: string) => this.post({ v: PROTOCOL_VERSION, type: 'handleInventoryStatus', processKey, state, message });
    if (!inspect || !target) {
      status('failed', target ? 'This version cannot take a handle inventory.' : 'That process is no longer watched.');
      return;
    }
    if (this.inspecting.has(processKey)) return;
    this.inspecting.add(processKey);
    status('pending', `Asking the agent of PID ${target.info.pid} for its handles and timers…`);
    try {
      const { report, trackedFromStart } = await inspect(target.info.pid);
      const message = inventoryMessageOf(processKey, report, trackedFromStart, Date.now());
      this.openable.addInventory(message);
      this.post(message);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.services.log.warn(`Dashboard: handle inventory of PID ${target.info.pid} failed: ${text}`);
      status('failed', `The handle inventory failed: ${text}`.slice(0, 1000));
    } finally {
      this.inspecting.delete(processKey);
    }
  }

  /**
   * Opens a creation frame's source at its line. Only paths the host listed in an inventory it sent
   * to this page, and only existing files: the page's messages are untrusted.
   */
  private async openLocation(path: string, line: number, column: number | null): Promise<void> {
    if (!this.openable.allows(path)) {
      this.reportOnce(`open:${path}`, `Dashboard: refused to open ${path}: not a source file of a handle inventory`);
      return;
    }
    const uri = vscode.Uri.file(path);
    const stat = await Promise.resolve(vscode.workspace.fs.stat(uri)).catch(() => undefined);
    if (!stat || (stat.type & vscode.FileType.File) === 0) {
      void vscode.window.showInformationMessage(`Process Vitals: ${path} does not exist any more.`);
      return;
    }
    const position = new vscode.Position(line - 1, (column ?? 1) - 1);
    // Beside the dashboard: it stays visible (a hidden page is discarded and loses its inventory).
    await vscode.window.showTextDocument(uri, { selection: new vscode.Range(position, position), preview: true, viewColumn: vscode.ViewColumn.Beside });
  }

  private reportOnce(key: string, text: string, level: 'warn' | 'error' = 'warn'): void {
    if (this.reportedProblems.has(key)) return;
    if (this.reportedProblems.size > 200) this.reportedProblems.clear();
    this.reportedProblems.add(key);
    this.services.log[level](text);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pageReady = false;
    this.stopSystemSampling();
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.panel.dispose();
    this.closeWatchEmitter.fire();
    this.closeWatchEmitter.dispose();
    this.disposeEmitter.fire();
    this.disposeEmitter.dispose();
  }
}
