/**
 * Owns the dashboard: at most one tab, opened by the Open Dashboard command (from the palette, the
 * status bar, or a process's tree item, which focuses the charts on that process), and restored
 * after a window reload by a WebviewPanelSerializer.
 */
import * as vscode from 'vscode';
import { SystemStatsSampler } from '../../monitor/processes/SystemStatsSampler';
import { WebviewPanels, WorkspaceStateKeys } from '../contributions';
import { DEFAULT_VIEW_STATE, parseViewStateOrUndefined, type DashboardViewState } from '../../webview/protocol';
import { ChartMarkerLog } from './chartMarkers';
import { DashboardPanel, dashboardWebviewOptions, type DashboardServices } from './DashboardPanel';

/** What the controller needs; the system sampler and the marker log are created here unless given. */
export type DashboardControllerServices = Omit<DashboardServices, 'sampleSystem' | 'markers'> & { readonly sampleSystem?: DashboardServices['sampleSystem'] };

/** The dashboard's single instance and its serializer. */
export class DashboardController implements vscode.Disposable, vscode.WebviewPanelSerializer {
  private current: DashboardPanel | undefined;
  private readonly services: DashboardServices;
  private readonly subscriptions: vscode.Disposable[] = [];
  /**
   * Kept whether or not a dashboard is open (a map update per agent report), so a dashboard opened
   * later shows the major GCs and alerts of the history it hydrates.
   */
  private readonly markerLog = new ChartMarkerLog();
  /** The PID of the process a user looks at closely in the dashboard (DashboardPanel.closelyWatched). */
  private closelyWatchedPid: number | undefined;
  private readonly closeWatchEmitter = new vscode.EventEmitter<{ readonly pid: number; readonly closely: boolean }>();
  /** A process started or stopped being looked at closely: its agent should report fine detail meanwhile. */
  readonly onDidChangeCloselyWatched = this.closeWatchEmitter.event;

  constructor(services: DashboardControllerServices) {
    // One sampler for every panel: it keeps the previous CPU reading, so CPU% is a true difference.
    const sampler = new SystemStatsSampler({ diskPath: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd() });
    const log = this.markerLog;
    this.services = {
      ...services,
      sampleSystem: services.sampleSystem ?? (() => sampler.sample()),
      markers: (processKeys, fromTime) => log.markers(processKeys, fromTime, services.leakVerdicts),
    };
    this.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(WebviewPanels.dashboard, this),
      services.monitor.onDidAgentReport((event) => log.observeAgentReport(event.process.key, event.threadId, event.report)),
      services.monitor.onDidExit(() => log.retainProcesses(new Set(services.processes().map((p) => p.key)))),
      // The focused process may appear after the focus (a restored tab) or exit while focused.
      services.monitor.onDidSample(() => {
        if (this.current) this.updateCloselyWatched(this.current);
      }),
    );
    const alerts = services.alerts;
    if (alerts) {
      log.observeAlerts(alerts.active());
      this.subscriptions.push(alerts.onDidChange(() => log.observeAlerts(alerts.active())));
    }
  }

  /** Opens the dashboard, or brings it forward; focusKey picks a process (null: all; undefined: keep). */
  open(focusKey?: string | null): void {
    if (this.current) {
      this.current.reveal(focusKey);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      WebviewPanels.dashboard,
      'Process Vitals',
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      dashboardWebviewOptions(this.services.extensionUri),
    );
    this.adopt(panel, { ...this.initialState(), focusKey: focusKey ?? null });
  }

  /** Restores a dashboard tab after a window reload (VS Code calls this with the page's saved state). */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const saved = parseViewStateOrUndefined(state);
    if (this.current) {
      // Only one dashboard: a second restored tab would double every message.
      panel.dispose();
      return;
    }
    this.adopt(panel, saved ?? this.initialState());
  }

  private initialState(): DashboardViewState {
    const hidden = this.services.workspaceState.get<unknown>(WorkspaceStateKeys.dashboardHiddenSeries);
    const hiddenSeries = Array.isArray(hidden) ? hidden.filter((k): k is string => typeof k === 'string').slice(0, 64) : [];
    return { ...DEFAULT_VIEW_STATE, hiddenSeries };
  }

  private adopt(panel: vscode.WebviewPanel, state: DashboardViewState): void {
    panel.iconPath = vscode.Uri.joinPath(this.services.extensionUri, 'media', 'activitybar.svg');
    const dashboard = new DashboardPanel(panel, state, this.services);
    this.current = dashboard;
    dashboard.onDidChangeCloselyWatched(() => this.updateCloselyWatched(dashboard));
    dashboard.onDidDispose(() => {
      if (this.current === dashboard) this.current = undefined;
    });
    this.updateCloselyWatched(dashboard);
  }

  /** The PID a user looks at closely now, if any (see onDidChangeCloselyWatched). */
  closelyWatched(): number | undefined {
    return this.closelyWatchedPid;
  }

  private updateCloselyWatched(dashboard: DashboardPanel): void {
    const key = this.current === dashboard ? dashboard.closelyWatched() : undefined;
    const pid = key === undefined ? undefined : this.services.processes().find((p) => p.key === key)?.info.pid;
    if (pid === this.closelyWatchedPid) return;
    if (this.closelyWatchedPid !== undefined) this.closeWatchEmitter.fire({ pid: this.closelyWatchedPid, closely: false });
    this.closelyWatchedPid = pid;
    if (pid !== undefined) this.closeWatchEmitter.fire({ pid, closely: true });
  }

  dispose(): void {
    this.current?.dispose();
    this.current = undefined;
    this.closeWatchEmitter.dispose();
    for (const s of this.subscriptions.splice(0)) s.dispose();
  }
}
