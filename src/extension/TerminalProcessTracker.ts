import * as vscode from 'vscode';
import type { Monitor } from '../monitor/Monitor';
import { OriginTracker } from './OriginTracker';
import type { OriginRoot } from './ProcessTreeModel';
import type { OrphanHandoff } from './OrphanTracker';

/**
 * Follows the integrated terminals of this window: each terminal's shell PID is a root the monitor
 * watches, so everything the user runs in it is found without being named. A shell command that
 * starts (shell integration) triggers an immediate sample so it shows up within one tick.
 */
export class TerminalProcessTracker extends OriginTracker {
  private readonly shells = new Map<vscode.Terminal, number>();
  private disposed = false;

  constructor(monitor: Monitor, log: vscode.LogOutputChannel, private readonly handOffOrphans: OrphanHandoff) {
    super(monitor, log, 'terminals');
    this.disposables.push(
      vscode.window.onDidOpenTerminal((t) => void this.add(t)),
      vscode.window.onDidCloseTerminal((t) => this.remove(t)),
      vscode.window.onDidStartTerminalShellExecution(() => this.monitor.tickNow()),
    );
    for (const terminal of vscode.window.terminals) void this.add(terminal);
  }

  /** One origin per terminal whose shell PID is known. */
  origins(): OriginRoot[] {
    return [...this.shells].map(([terminal, pid]) => ({
      kind: 'terminal',
      id: `terminal:${pid}`,
      label: terminal.name,
      rootPid: pid,
    }));
  }

  override dispose(): void {
    this.disposed = true;
    super.dispose();
  }

  private async add(terminal: vscode.Terminal): Promise<void> {
    let pid: number | undefined;
    try {
      pid = await terminal.processId;
    } catch (error) {
      this.log.warn(`Could not get the process of terminal "${terminal.name}": ${String(error)}`);
    }
    // A pseudoterminal (extension-owned) has no process; a closed one may resolve after closing.
    if (this.disposed || pid === undefined || terminal.exitStatus !== undefined) return;
    this.shells.set(terminal, pid);
    this.log.debug(`Watching terminal "${terminal.name}" (shell PID ${pid})`);
    this.syncRoots();
  }

  private remove(terminal: vscode.Terminal): void {
    const pid = this.shells.get(terminal);
    if (pid === undefined) return;
    this.shells.delete(terminal);
    // The shell goes with its terminal; a program that ignores the hangup lives on.
    this.handOffOrphans(`terminal "${terminal.name}"`, pid, false);
    this.syncRoots();
  }

  private syncRoots(): void {
    this.setRoots(this.shells.values());
  }
}
