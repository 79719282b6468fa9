import type * as vscode from 'vscode';
import type { ExitedProcess, Monitor } from '../monitor/Monitor';
import { OriginTracker } from './OriginTracker';
import type { OriginRoot } from './ProcessTreeModel';

/** One process the user asked to watch. */
interface WatchedEntry {
  readonly pid: number;
  readonly label: string;
}

/**
 * The processes the user picked with "Watch Process...". An entry ends when the user stops
 * watching it or when its process exits (a later process reusing the PID is not watched).
 */
export class WatchList extends OriginTracker {
  private readonly entries = new Map<number, WatchedEntry>();

  constructor(monitor: Monitor, log: vscode.LogOutputChannel) {
    super(monitor, log, 'watched');
    this.own(monitor.onDidExit((exited) => this.onExit(exited)));
  }

  /** Starts watching a PID and its descendants. */
  watch(pid: number, label: string): void {
    this.entries.set(pid, { pid, label });
    this.log.info(`Watching PID ${pid} (${label}) at the user's request`);
    this.sync();
  }

  /** Stops watching a PID; returns whether it was watched. */
  unwatch(pid: number): boolean {
    if (!this.entries.delete(pid)) return false;
    this.log.info(`Stopped watching PID ${pid} at the user's request`);
    this.sync();
    return true;
  }

  /** Whether the PID is on the list. */
  has(pid: number): boolean {
    return this.entries.has(pid);
  }

  /** One origin per watched PID. */
  origins(): OriginRoot[] {
    return [...this.entries.values()].map((e) => ({ kind: 'watched', id: `watched:${e.pid}`, label: e.label, rootPid: e.pid }));
  }

  private onExit(exited: readonly ExitedProcess[]): void {
    let changed = false;
    for (const { info } of exited) {
      if (this.entries.delete(info.pid)) {
        this.log.info(`Watched process ${info.pid} (${info.name}) exited`);
        changed = true;
      }
    }
    if (changed) this.sync();
  }

  private sync(): void {
    this.setRoots(this.entries.keys());
  }
}
