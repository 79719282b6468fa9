/**
 * What activate() returns: a small, read-only view of the extension's state for integration tests
 * and for other extensions. Plain data only, so callers never hold live engine objects.
 */
import type * as vscode from 'vscode';
import type { Alert } from '../monitor/alerts/AlertEngine';

/** One node of the Processes tree as the user sees it. */
export interface ProcessTreeNodeSnapshot {
  /** Node kind, the same string the tree item's contextValue starts with (for example 'terminal', 'process'). */
  readonly kind: string;
  readonly label: string;
  readonly description?: string;
  /** Set on process nodes. */
  readonly pid?: number;
  /** Set on process nodes: the full command line. */
  readonly command?: string;
  /** Set on process nodes: whether its Node agent is connected. */
  readonly agent?: boolean;
  readonly children: readonly ProcessTreeNodeSnapshot[];
}

/** One row of the Alerts tree as the user sees it: a severity group or an alert. */
export interface AlertsTreeNodeSnapshot {
  /** The tree item's contextValue: 'alertGroup' for a group, `alert.<state>` (for example 'alert.firing') for an alert. */
  readonly kind: string;
  readonly label: string;
  readonly description?: string;
  /** The hover text (Markdown source). */
  readonly tooltip?: string;
  /** Set on alert rows: the alert's id (Alert.id). */
  readonly alertId?: string;
  readonly children: readonly AlertsTreeNodeSnapshot[];
}

/** The extension's exported API (vscode.extensions.getExtension(...).exports). */
export interface ProcessVitalsApi {
  /** The Processes tree as currently rendered, walked to the leaves. */
  getProcessTree(): ProcessTreeNodeSnapshot[];
  /** Fires after the Processes tree model changed (at most once per monitor tick). */
  readonly onDidChangeProcessTree: vscode.Event<void>;
  /** Fires once per monitor tick, after the tree and the status bar were updated. */
  readonly onDidTick: vscode.Event<void>;
  /** The status bar item's current text and tooltip. */
  getStatusBar(): { text: string; tooltip: string };
  /**
   * The Node agent of a process, when one is connected: when it said hello and what it reported
   * last (heapUsed; loopDelayResolutionMs: the event-loop delay histogram's resolution, finer while
   * a user looks at the process closely, 0 when an idle process is measured by its report timer).
   */
  getAgent(pid: number): { connectedAt: number; nodeVersion: string; heapUsed: number | undefined; loopDelayResolutionMs: number | undefined } | undefined;
  /** Whether the agent is injected into new terminals and launches, and if not, why. */
  getAgentInjectionState(): 'injected' | 'disabled' | 'untrusted' | 'unavailable';
  /** The monitor's key (pid@startTime) of a watched PID. */
  processKeyOf(pid: number): string | undefined;
  /** Open alerts (firing or acknowledged), worst first. */
  getAlerts(): Alert[];
  /** The Alerts tree as currently rendered (its groups and their alert rows), walked to the leaves. */
  getAlertsTree(): AlertsTreeNodeSnapshot[];
  /**
   * Runs Diagnose Leaks on a watched process without asking (the caller has the user's consent) and
   * opens its report; resolves with the verdict and the report's folder, or undefined when it did not run.
   */
  diagnoseLeaks(processKey: string, observeSeconds?: number): Promise<{ outcome: string; kinds: readonly string[]; summary: string; folder: string; markdown: string } | undefined>;
  /** Debug sessions' debuggees, with every way each PID was learned ("its agent's hello", "js-debug's session name", ...), first first. */
  getDebuggees(): Array<{ session: string; pid: number; sources: string[] }>;
  /** Task processes that ended in this window, oldest first, with their exit codes. */
  getEndedTasks(): Array<{ name: string; pid: number; exitCode: number | undefined; endedAt: number }>;
}
