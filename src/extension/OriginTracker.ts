import * as vscode from 'vscode';
import type { Monitor } from '../monitor/Monitor';
import type { OriginRoot } from './ProcessTreeModel';

/**
 * What every source of watched roots (terminals, tasks, debug sessions, the watch list, orphans) has
 * in common: it registers its root PIDs with the monitor under its own owner name, says when its
 * origins changed, and withdraws its roots when disposed.
 */
export abstract class OriginTracker implements vscode.Disposable {
  /** Subscriptions and resources, disposed with the tracker. */
  protected readonly disposables: vscode.Disposable[] = [];
  private readonly changeEmitter = new vscode.EventEmitter<void>();

  /** Fires when this tracker's origins changed. */
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    protected readonly monitor: Monitor,
    protected readonly log: vscode.LogOutputChannel,
    private readonly rootOwner: string,
  ) {
    this.disposables.push(this.changeEmitter);
  }

  /** The origins to show, one per root. */
  abstract origins(): OriginRoot[];

  /** Hands the monitor this tracker's roots (replacing the previous ones) and announces the change. */
  protected setRoots(pids: Iterable<number>): void {
    this.monitor.setRoots(this.rootOwner, pids);
    this.changeEmitter.fire();
  }

  /** Announces changed origins whose roots stay the same (a label or a state changed). */
  protected changed(): void {
    this.changeEmitter.fire();
  }

  /** Keeps an engine subscription (which is not a vscode.Disposable by type) until disposal. */
  protected own(subscription: { dispose(): void }): void {
    this.disposables.push({ dispose: () => subscription.dispose() });
  }

  dispose(): void {
    this.monitor.setRoots(this.rootOwner, []);
    for (const d of this.disposables) d.dispose();
  }
}
