import * as vscode from 'vscode';
import { AlertEngine, type Alert, type AlertChangeEvent } from '../../monitor/alerts/AlertEngine';
import { observe } from '../../monitor/alerts/processObservation';
import { WebhookChannel } from '../../monitor/alerts/WebhookChannel';
import type { Monitor } from '../../monitor/Monitor';
import type { LeakVerdict } from '../../monitor/leaks/LeakVerdict';
import type { AlertsTreeNodeSnapshot } from '../api';
import { Views } from '../contributions';
import type { AlertSettings } from './alertSettings';
import { AlertsTreeView } from './AlertsTreeView';

/** workspaceState keys: acknowledged alerts survive a window reload, muted processes too. */
const ACKNOWLEDGED_KEY = 'processVitals.alerts.acknowledged';
const MUTED_KEY = 'processVitals.alerts.mutedProcesses';
/** At most one notification in this window: a burst of alerts shows in the tree, not as a storm of toasts. */
const NOTIFICATION_GAP_MS = 10_000;

/** What a notification's buttons do; the composition root provides them. */
export interface AlertActions {
  diagnoseLeaks(processKey: string): void;
  openDashboard(processKey: string): void;
}

/**
 * Alerts in the editor: runs the AlertEngine on every monitor tick, shows the Alerts tree, keeps
 * acknowledgements across reloads, notifies once per new or escalated alert (never a storm, never
 * for a muted process), logs every change, and forwards changes to the optional webhook.
 */
export class AlertCenter implements vscode.Disposable {
  private readonly engine: AlertEngine;
  private readonly tree = new AlertsTreeView();
  private readonly treeView: vscode.TreeView<unknown>;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private settings: AlertSettings;
  private webhook: WebhookChannel | undefined;
  private lastNotificationAt = 0;

  /** Fires after any alert changed. */
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly monitor: Monitor,
    private readonly log: vscode.LogOutputChannel,
    private readonly workspaceState: vscode.Memento,
    settings: AlertSettings,
    private readonly verdictsOf: (processKey: string) => readonly LeakVerdict[] | undefined,
    private readonly actions: AlertActions,
  ) {
    this.settings = settings;
    this.engine = new AlertEngine({
      thresholds: settings.thresholds,
      timing: settings.timing,
      acknowledgedKeys: workspaceState.get<string[]>(ACKNOWLEDGED_KEY, []),
    });
    this.treeView = vscode.window.createTreeView(Views.alerts, { treeDataProvider: this.tree as vscode.TreeDataProvider<unknown> });
    const engineEvents = this.engine.onDidChange((event) => this.onAlertChange(event));
    const samples = monitor.onDidSample((batch) => this.evaluate(batch.time));
    const exits = monitor.onDidExit((exited) => {
      for (const { info, exitedAt } of exited) this.engine.processExited(exitedAt, `${info.pid}@${info.startTime}`);
    });
    this.disposables.push(this.tree, this.treeView, this.changeEmitter, ...[engineEvents, samples, exits].map((d) => ({ dispose: () => d.dispose() })));
    this.configureWebhook();
    this.render();
  }

  /** Applies changed settings. */
  configure(settings: AlertSettings): void {
    const webhookChanged = settings.webhookUrl?.href !== this.settings.webhookUrl?.href;
    this.settings = settings;
    this.engine.configure(settings.thresholds, settings.timing);
    if (webhookChanged) this.configureWebhook();
  }

  /** Open alerts, worst first. */
  active(): Alert[] {
    return this.engine.active();
  }

  /** The Alerts tree as rendered. */
  treeSnapshot(): AlertsTreeNodeSnapshot[] {
    return this.tree.snapshot();
  }

  /** Acknowledges an alert (from the tree or a notification). */
  acknowledge(alert: Alert): void {
    if (this.engine.acknowledge(alert.id, Date.now())) this.log.info(`Alert acknowledged by the user: ${describe(alert)}`);
  }

  /** Resolves an alert by hand. */
  resolve(alert: Alert): void {
    if (this.engine.resolveById(alert.id, Date.now())) this.log.info(`Alert resolved by the user: ${describe(alert)}`);
  }

  dispose(): void {
    this.webhook?.dispose();
    this.engine.dispose();
    for (const d of this.disposables) d.dispose();
  }

  private evaluate(time: number): void {
    if (!this.settings.enabled) {
      // Turning alerts off closes what is open rather than leaving stale rows.
      for (const alert of this.engine.active()) this.engine.resolveById(alert.id, time);
      return;
    }
    this.engine.evaluate(time, this.monitor.watched().map((p) => observe(p, this.verdictsOf(p.key))));
  }

  private onAlertChange(event: AlertChangeEvent): void {
    const { change, alert } = event;
    const line = `Alert ${change}: ${describe(alert)}`;
    if (change === 'resolved' || change === 'acknowledged') this.log.info(line);
    else this.log.warn(line);
    void this.workspaceState.update(ACKNOWLEDGED_KEY, this.engine.acknowledgedKeys());
    this.webhook?.send(event);
    if ((change === 'fired' || change === 'escalated') && alert.state === 'firing') void this.notify(alert, change);
    this.render();
    this.changeEmitter.fire();
  }

  private async notify(alert: Alert, change: 'fired' | 'escalated'): Promise<void> {
    if (this.workspaceState.get<string[]>(MUTED_KEY, []).includes(alert.processKey)) return;
    const now = Date.now();
    if (now - this.lastNotificationAt < NOTIFICATION_GAP_MS) {
      this.log.debug(`No notification for ${alert.id}: another was shown less than ${NOTIFICATION_GAP_MS / 1000} s ago`);
      return;
    }
    this.lastNotificationAt = now;
    const text = `${change === 'escalated' ? 'Worse: ' : ''}${alert.processName} (PID ${alert.pid}): ${alert.message}`;
    const show = alert.severity === 'error' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    const choice = await show(text, 'Diagnose Leaks', 'Open Dashboard', 'Mute for This Process');
    if (choice === 'Diagnose Leaks') this.actions.diagnoseLeaks(alert.processKey);
    else if (choice === 'Open Dashboard') this.actions.openDashboard(alert.processKey);
    else if (choice === 'Mute for This Process') {
      const muted = this.workspaceState.get<string[]>(MUTED_KEY, []);
      await this.workspaceState.update(MUTED_KEY, [...muted.slice(-99), alert.processKey]);
      this.log.info(`Alert notifications muted by the user for ${alert.processName} (PID ${alert.pid})`);
    }
  }

  private render(): void {
    this.tree.update(this.engine.active(), this.engine.resolved());
    const count = this.engine.active().length;
    this.treeView.badge = count ? { value: count, tooltip: `${count} active alert${count === 1 ? '' : 's'}` } : undefined;
  }

  private configureWebhook(): void {
    this.webhook?.dispose();
    this.webhook = undefined;
    const url = this.settings.webhookUrl;
    if (!url) return;
    this.webhook = new WebhookChannel(url);
    this.webhook.onWarning((message) => this.log.warn(message));
    this.log.info(`Alert changes are also sent to the webhook at ${url.origin}`);
  }
}

function describe(alert: Alert): string {
  return `${alert.severity} ${alert.rule} on ${alert.processName} (PID ${alert.pid}): ${alert.message}`;
}
