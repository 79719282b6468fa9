import * as vscode from 'vscode';
import { Commands, STATUS_BAR_ITEM_ID } from './contributions';
import { formatBytes, formatPercent } from './format';
import type { ProcessTotals } from './ProcessTreeModel';

/** What the status bar shows besides the totals. */
export interface StatusBarState {
  readonly totals: ProcessTotals;
  readonly paused: boolean;
  /** Set while sampling is broken; the item turns to the error colour. */
  readonly failure?: string;
  /** Open alerts, and how many of them nobody acknowledged yet (those turn the item to the warning colour). */
  readonly alerts?: { readonly open: number; readonly unacknowledged: number };
}

/**
 * One status bar item: total CPU and memory of the watched processes. It has an id and a name so
 * users can hide it, and uses a warning colour only while something is wrong.
 */
export class VitalsStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem(STATUS_BAR_ITEM_ID, vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Process Vitals';
    this.item.command = Commands.openDashboard;
    this.item.show();
  }

  /** Renders the state. */
  update(state: StatusBarState): void {
    const { totals } = state;
    if (state.failure) {
      this.item.text = '$(pulse) Vitals: sampling stopped';
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      this.item.tooltip = `Process Vitals: ${state.failure}`;
      this.item.accessibilityInformation = { label: `Process Vitals: sampling stopped. ${state.failure}` };
      return;
    }
    const alerts = state.alerts ?? { open: 0, unacknowledged: 0 };
    // The warning colour means "something needs you": only while an alert is unacknowledged.
    this.item.backgroundColor = alerts.unacknowledged > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const alertText = alerts.open ? ` $(warning) ${alerts.open}` : '';
    const alertLabel = alerts.open ? `, ${alerts.open} alert${alerts.open === 1 ? '' : 's'}` : '';
    if (state.paused) {
      this.item.text = `$(debug-pause) Vitals paused${alertText}`;
      this.item.tooltip = 'Process Vitals: monitoring is paused. Click to open the Processes view.';
      this.item.accessibilityInformation = { label: `Process Vitals: monitoring paused${alertLabel}` };
      return;
    }
    if (totals.processCount === 0) {
      this.item.text = `$(pulse) Vitals${alertText}`;
      this.item.tooltip = 'Process Vitals: nothing running in this window\'s terminals yet.';
      this.item.accessibilityInformation = { label: `Process Vitals: no processes watched${alertLabel}` };
      return;
    }
    const cpu = formatPercent(totals.cpuPercent);
    const memory = formatBytes(totals.rssBytes);
    this.item.text = `$(pulse) ${cpu} · ${memory}${alertText}`;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**Process Vitals**: ${totals.processCount} process${totals.processCount === 1 ? '' : 'es'}, CPU ${cpu}, memory ${memory}${alertLabel}\n\n`);
    if (totals.top.length) {
      tooltip.appendMarkdown('| Process | PID | CPU | Memory |\n|---|---:|---:|---:|\n');
      for (const p of totals.top) {
        const name = (p.info.name || String(p.info.pid)).replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`);
        tooltip.appendMarkdown(`| ${name} | ${p.info.pid} | ${formatPercent(p.latest?.cpuPercent ?? NaN)} | ${formatBytes(p.latest?.rssBytes ?? NaN)} |\n`);
      }
    }
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = {
      label: `Process Vitals: ${totals.processCount} processes, CPU ${cpu}, memory ${memory}${alertLabel}`,
    };
  }

  /** The item's text and plain tooltip, for the extension's API. */
  snapshot(): { text: string; tooltip: string } {
    const tooltip = this.item.tooltip;
    return { text: this.item.text, tooltip: typeof tooltip === 'string' ? tooltip : tooltip?.value ?? '' };
  }

  dispose(): void {
    this.item.dispose();
  }
}
