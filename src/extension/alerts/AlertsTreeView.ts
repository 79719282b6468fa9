import * as vscode from 'vscode';
import type { Alert } from '../../monitor/alerts/AlertEngine';
import type { AlertsTreeNodeSnapshot } from '../api';

/** Resolved alerts shown under "Recently resolved". */
const RECENT_RESOLVED = 10;

/** A row of the Alerts tree: a severity group or an alert. */
export type AlertTreeElement =
  | { readonly kind: 'group'; readonly id: 'error' | 'warning' | 'resolved'; readonly label: string; readonly alerts: readonly Alert[] }
  | { readonly kind: 'alert'; readonly alert: Alert };

/** The tree items' contextValue for an alert, driving its menu (package.json `viewItem == alert.firing`). */
export function alertContextValue(alert: Alert): string {
  return `alert.${alert.state}`;
}

/**
 * The Alerts view: open alerts grouped by severity, then the recently resolved ones. It renders the
 * engine's lists as they are; getChildren does no work beyond grouping.
 */
export class AlertsTreeView implements vscode.TreeDataProvider<AlertTreeElement>, vscode.Disposable {
  private active: readonly Alert[] = [];
  private resolved: readonly Alert[] = [];
  private readonly changeEmitter = new vscode.EventEmitter<void>();

  readonly onDidChangeTreeData = this.changeEmitter.event;

  /** Replaces what the view shows. */
  update(active: readonly Alert[], resolved: readonly Alert[]): void {
    this.active = active;
    this.resolved = resolved.slice(-RECENT_RESOLVED).reverse();
    this.changeEmitter.fire();
  }

  getChildren(element?: AlertTreeElement): AlertTreeElement[] {
    if (element?.kind === 'group') return element.alerts.map((alert) => ({ kind: 'alert', alert }));
    if (element) return [];
    const groups: AlertTreeElement[] = [];
    const errors = this.active.filter((a) => a.severity === 'error');
    const warnings = this.active.filter((a) => a.severity === 'warning');
    if (errors.length) groups.push({ kind: 'group', id: 'error', label: 'Errors', alerts: errors });
    if (warnings.length) groups.push({ kind: 'group', id: 'warning', label: 'Warnings', alerts: warnings });
    if (this.resolved.length) groups.push({ kind: 'group', id: 'resolved', label: 'Recently resolved', alerts: this.resolved });
    return groups;
  }

  getTreeItem(element: AlertTreeElement): vscode.TreeItem {
    if (element.kind === 'group') {
      const item = new vscode.TreeItem(
        element.label,
        element.id === 'resolved' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded,
      );
      item.id = `group:${element.id}`;
      item.description = String(element.alerts.length);
      item.contextValue = 'alertGroup';
      return item;
    }
    const { alert } = element;
    const item = new vscode.TreeItem(`${alert.processName} (${alert.pid})`, vscode.TreeItemCollapsibleState.None);
    item.id = alert.id;
    item.description = `${alert.message} · ${describeState(alert)}`;
    item.tooltip = new vscode.MarkdownString(
      [
        `**${alert.severity === 'error' ? 'Error' : 'Warning'}**: ${escapeMarkdown(alert.message)}`,
        `Process ${escapeMarkdown(alert.processName)}, PID ${alert.pid}`,
        `Rule \`${alert.rule}\`, since ${new Date(alert.firedAt).toLocaleTimeString()}` +
          (alert.escalations ? `, escalated ${alert.escalations}×` : '') +
          (alert.resolvedAt ? `, resolved ${new Date(alert.resolvedAt).toLocaleTimeString()}` : ''),
      ].join('\n\n'),
    );
    item.contextValue = alertContextValue(alert);
    item.iconPath =
      alert.state === 'resolved'
        ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
        : alert.severity === 'error'
          ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
          : new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    return item;
  }

  /** The tree as rendered, walked through getChildren and getTreeItem (what the API's getAlertsTree returns). */
  snapshot(): AlertsTreeNodeSnapshot[] {
    const toSnapshot = (element: AlertTreeElement): AlertsTreeNodeSnapshot => {
      const item = this.getTreeItem(element);
      const label = typeof item.label === 'string' ? item.label : item.label?.label ?? '';
      const tooltip = typeof item.tooltip === 'string' ? item.tooltip : item.tooltip?.value;
      return {
        kind: item.contextValue ?? '',
        label,
        ...(typeof item.description === 'string' ? { description: item.description } : {}),
        ...(tooltip !== undefined ? { tooltip } : {}),
        ...(element.kind === 'alert' ? { alertId: element.alert.id } : {}),
        children: this.getChildren(element).map(toSnapshot),
      };
    };
    return this.getChildren().map(toSnapshot);
  }

  /** The alert behind a command argument from this tree. */
  static alertOf(arg: unknown): Alert | undefined {
    const element = arg as AlertTreeElement | undefined;
    return element?.kind === 'alert' ? element.alert : undefined;
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}

function describeState(alert: Alert): string {
  const since = new Date(alert.firedAt).toLocaleTimeString();
  if (alert.state === 'resolved') return `resolved ${new Date(alert.resolvedAt ?? alert.changedAt).toLocaleTimeString()}`;
  return alert.state === 'acknowledged' ? `acknowledged, since ${since}` : `since ${since}`;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
