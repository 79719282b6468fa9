import * as vscode from 'vscode';
import type { Monitor } from '../monitor/Monitor';
import { OriginTracker } from './OriginTracker';
import type { OrphanHandoff } from './OrphanTracker';
import type { OriginRoot } from './ProcessTreeModel';
/** Ended tasks remembered with their exit codes. */
const ENDED_LIMIT = 50;

/** A task process that ended. */
export interface EndedTask {
  readonly name: string;
  readonly pid: number;
  /** undefined when VS Code could not tell (a task that was terminated). */
  readonly exitCode: number | undefined;
  readonly endedAt: number;
}

/**
 * Follows the tasks of this window: a task's process is a root, labelled with the task's name, from
 * onDidStartTaskProcess until onDidEndTaskProcess, whose exit code is kept.
 */
export class TaskProcessTracker extends OriginTracker {
  private readonly running = new Map<vscode.TaskExecution, { name: string; pid: number }>();
  private readonly endedTasks: EndedTask[] = [];

  constructor(monitor: Monitor, log: vscode.LogOutputChannel, private readonly handOffOrphans: OrphanHandoff) {
    super(monitor, log, 'tasks');
    this.disposables.push(
      vscode.tasks.onDidStartTaskProcess((event) => {
        const name = event.execution.task.name;
        this.running.set(event.execution, { name, pid: event.processId });
        this.log.info(`Task "${name}" started (PID ${event.processId})`);
        this.sync();
        this.monitor.tickNow();
      }),
      vscode.tasks.onDidEndTaskProcess((event) => {
        const entry = this.running.get(event.execution);
        if (!entry) return;
        this.running.delete(event.execution);
        this.endedTasks.push({ name: entry.name, pid: entry.pid, exitCode: event.exitCode, endedAt: Date.now() });
        this.endedTasks.splice(0, Math.max(0, this.endedTasks.length - ENDED_LIMIT));
        this.log.info(`Task "${entry.name}" (PID ${entry.pid}) ended with exit code ${event.exitCode ?? 'unknown'}`);
        // The task's process is gone, but what it started may not be.
        this.handOffOrphans(`task "${entry.name}"`, entry.pid, false);
        this.sync();
      }),
    );
  }

  /** One origin per running task process. */
  origins(): OriginRoot[] {
    return [...this.running.values()].map(({ name, pid }) => ({ kind: 'task', id: `task:${pid}`, label: name, rootPid: pid }));
  }

  /** Task processes that ended, oldest first (bounded). */
  ended(): readonly EndedTask[] {
    return this.endedTasks;
  }

  private sync(): void {
    this.setRoots([...this.running.values()].map((r) => r.pid));
  }
}
