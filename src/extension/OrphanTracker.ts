import * as vscode from 'vscode';
import type { ExitedProcess, Monitor } from '../monitor/Monitor';
import { formatBytes, shortenCommand } from './format';
import { OriginTracker } from './OriginTracker';
import { descendantsOf, type OriginRoot } from './ProcessTreeModel';

/** A candidate must survive this long after its origin ended to count: a dying program takes a moment. */
const GRACE_MS = 2000;
/** globalState key of "Don't Show Again" for orphan notifications. */
const MUTE_KEY = 'processVitals.orphans.notificationsMuted';

/** A process that outlived the terminal, task or debug session that started it. */
interface Orphan {
  readonly pid: number;
  readonly key: string;
  readonly name: string;
  readonly command: string;
  /** "terminal "dev"", "task "watch"": where it came from, for messages. */
  readonly origin: string;
  readonly since: number;
  /** One notification per hand-off: the batch this orphan was handed over in. */
  readonly batch: number;
  confirmed: boolean;
}

/** Hands the processes below a root whose origin ended (and the root itself if asked) to the orphan keeper. */
export type OrphanHandoff = (originLabel: string, rootPid: number, includeRoot: boolean) => void;

/** Called to end orphans the user chose to terminate from a notification. */
export type TerminateOrphans = (pids: readonly number[]) => void;

/**
 * Keeps processes that outlived their origin (a dev server left running after its terminal closed,
 * a port still held) visible under "Orphaned", and tells the user once per set of them.
 */
export class OrphanTracker extends OriginTracker {
  private readonly orphans = new Map<string, Orphan>();
  private nextBatch = 1;

  constructor(
    monitor: Monitor,
    log: vscode.LogOutputChannel,
    private readonly globalState: vscode.Memento,
    private readonly showOrphans: () => void,
    private readonly terminate: TerminateOrphans,
  ) {
    super(monitor, log, 'orphans');
    this.own(monitor.onDidExit((exited) => this.onExit(exited)));
    this.own(monitor.onDidSample((batch) => this.confirmSurvivors(batch.time)));
  }

  /**
   * Takes over the descendants of a root whose origin just ended (and the root itself when asked);
   * those still alive after a short grace period become orphans.
   */
  adopt(origin: string, rootPid: number, includeRoot: boolean): void {
    const watched = this.monitor.watched();
    const candidates = descendantsOf(rootPid, watched);
    const root = watched.find((p) => p.info.pid === rootPid);
    if (includeRoot && root) candidates.unshift(root);
    if (!candidates.length) return;
    const batch = this.nextBatch++;
    const now = Date.now();
    for (const p of candidates) {
      if (this.orphans.has(p.key)) continue;
      this.orphans.set(p.key, {
        pid: p.info.pid,
        key: p.key,
        name: p.info.name,
        command: p.info.command || p.info.name,
        origin,
        since: now,
        batch,
        confirmed: false,
      });
    }
    this.sync();
  }

  /** One origin per confirmed orphan. */
  origins(): OriginRoot[] {
    return [...this.orphans.values()]
      .filter((o) => o.confirmed)
      .map((o) => ({ kind: 'orphaned', id: `orphan:${o.key}`, label: o.name, rootPid: o.pid }));
  }

  /** PIDs of the confirmed orphans. */
  pids(): number[] {
    return [...this.orphans.values()].filter((o) => o.confirmed).map((o) => o.pid);
  }

  /** Forgets an orphan the user stopped watching (it keeps running). */
  release(pid: number): boolean {
    for (const [key, orphan] of this.orphans) {
      if (orphan.pid === pid) {
        this.orphans.delete(key);
        this.sync();
        return true;
      }
    }
    return false;
  }

  private onExit(exited: readonly ExitedProcess[]): void {
    let changed = false;
    for (const { info } of exited) {
      const key = `${info.pid}@${info.startTime}`;
      const orphan = this.orphans.get(key);
      if (!orphan) continue;
      this.orphans.delete(key);
      if (orphan.confirmed) this.log.info(`Orphan ${orphan.pid} (${orphan.name}) from ${orphan.origin} exited`);
      changed = true;
    }
    if (changed) this.sync();
  }

  private confirmSurvivors(now: number): void {
    const confirmedBatches = new Map<number, Orphan[]>();
    for (const orphan of this.orphans.values()) {
      if (orphan.confirmed || now - orphan.since < GRACE_MS) continue;
      // Alive means: the monitor still sees this very process (same PID and start time).
      if (this.monitor.get(orphan.pid)?.key !== orphan.key) continue;
      orphan.confirmed = true;
      this.log.info(`Process ${orphan.pid} (${orphan.command}) kept running after ${orphan.origin} ended: kept under Orphaned`);
      const batch = confirmedBatches.get(orphan.batch);
      if (batch) batch.push(orphan);
      else confirmedBatches.set(orphan.batch, [orphan]);
    }
    if (confirmedBatches.size) {
      this.changed();
      for (const batch of confirmedBatches.values()) void this.notify(batch);
    }
  }

  private async notify(batch: Orphan[]): Promise<void> {
    if (this.globalState.get<boolean>(MUTE_KEY)) return;
    const first = batch[0];
    const memory = this.monitor.get(first.pid)?.latest?.rssBytes;
    const what = batch.length === 1
      ? `"${shortenCommand(first.command, 60)}" (PID ${first.pid}${memory ? `, ${formatBytes(memory)}` : ''}) kept`
      : `${batch.length} processes, starting with "${shortenCommand(first.command, 40)}" (PID ${first.pid}), kept`;
    const choice = await vscode.window.showWarningMessage(
      `${what} running after ${first.origin} ended.`,
      'Terminate',
      'Show',
      "Don't Show Again",
    );
    if (choice === 'Terminate') this.terminate(batch.map((o) => o.pid));
    else if (choice === 'Show') this.showOrphans();
    else if (choice === "Don't Show Again") await this.globalState.update(MUTE_KEY, true);
  }

  private sync(): void {
    this.setRoots([...this.orphans.values()].map((o) => o.pid));
  }
}
