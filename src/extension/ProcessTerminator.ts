import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { Monitor } from '../monitor/Monitor';
import { shortenCommand } from './format';

/** How long a process gets to exit after SIGTERM before the user is offered SIGKILL. */
const GRACE_MS = 3000;

/** A process the user asked to end, as the tree showed it. */
export interface TerminationTarget {
  readonly pid: number;
  /** pid@startTime when known: nothing is sent if the PID now belongs to another process. */
  readonly key?: string;
  readonly label: string;
}

/** The two questions a termination asks; injectable so a test can answer them without a dialog. */
export interface TerminationPrompts {
  /** Asks before anything is sent. */
  confirm(question: string, detail: string): Thenable<boolean>;
  /** Offers SIGKILL for processes still running after the grace period. */
  offerForceKill(message: string): Thenable<boolean>;
}

/** The default prompts: a modal confirmation, then a warning with a Kill button. */
const DIALOG_PROMPTS: TerminationPrompts = {
  confirm: (question, detail) => vscode.window.showWarningMessage(question, { modal: true, detail }, 'Terminate').then((c) => c === 'Terminate'),
  offerForceKill: (message) => vscode.window.showWarningMessage(message, 'Kill (SIGKILL)').then((c) => c !== undefined),
};

/**
 * Ends processes on the user's request: confirm, SIGTERM, wait, then offer SIGKILL. On Windows
 * process.kill() always terminates at once (there is no polite signal), so there is one step.
 * Every signal sent is written to the log as an audit line.
 */
export class ProcessTerminator {
  constructor(
    private readonly monitor: Monitor,
    private readonly log: vscode.LogOutputChannel,
    private readonly prompts: TerminationPrompts = DIALOG_PROMPTS,
  ) {}

  /**
   * Asks (unless the caller already did), then terminates the targets; resolves when they exited or
   * the user stopped, with whether all of them are gone.
   */
  async terminate(targets: readonly TerminationTarget[], options: { readonly alreadyConfirmed?: boolean } = {}): Promise<boolean> {
    const live = targets.filter((t) => this.isSameProcess(t));
    if (!live.length) {
      if (!options.alreadyConfirmed) void vscode.window.showInformationMessage(targets.length === 1 ? `PID ${targets[0].pid} has already exited.` : 'Those processes have already exited.');
      return true;
    }
    const what = live.length === 1 ? `"${shortenCommand(live[0].label, 60)}" (PID ${live[0].pid})` : `${live.length} processes`;
    const polite = process.platform !== 'win32';
    const confirmed = options.alreadyConfirmed || await this.prompts.confirm(
      `Terminate ${what}?`,
      polite ? 'Sends SIGTERM, asking it to exit. Unsaved work in it may be lost.' : 'Ends it at once. Unsaved work in it may be lost.',
    );
    if (!confirmed) return false;

    this.signal(live, polite ? 'SIGTERM' : 'SIGKILL');
    const survivors = await this.waitForExit(live);
    if (!survivors.length) return true;
    if (!polite) return false;
    const force = await this.prompts.offerForceKill(
      `${survivors.length === 1 ? `PID ${survivors[0].pid} is` : `${survivors.length} processes are`} still running ${GRACE_MS / 1000} s after SIGTERM.`,
    );
    if (!force) return false;
    this.signal(survivors.filter((t) => this.isSameProcess(t)), 'SIGKILL');
    return (await this.waitForExit(survivors)).length === 0;
  }

  private signal(targets: readonly TerminationTarget[], signal: NodeJS.Signals): void {
    for (const target of targets) {
      try {
        process.kill(target.pid, signal);
        this.log.info(`Audit: the user sent ${signal} to PID ${target.pid} (${target.label})`);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ESRCH') continue; // it exited on its own meanwhile
        const reason = code === 'EPERM' ? 'permission denied' : String(error);
        this.log.warn(`Audit: ${signal} to PID ${target.pid} (${target.label}) failed: ${reason}`);
        void vscode.window.showErrorMessage(`Could not terminate PID ${target.pid}: ${reason}.`);
      }
    }
  }

  /** Waits up to the grace period; returns the targets still running. */
  private waitForExit(targets: readonly TerminationTarget[]): Promise<TerminationTarget[]> {
    return new Promise((resolve) => {
      const remaining = () => targets.filter((t) => this.isSameProcess(t));
      const poll = setInterval(() => {
        if (remaining().length === 0) finish();
      }, 100);
      const timeout = setTimeout(() => finish(), GRACE_MS);
      const finish = () => {
        clearInterval(poll);
        clearTimeout(timeout);
        resolve(remaining());
      };
    });
  }

  /** Whether the target still names a live process, and the same one the user saw. */
  private isSameProcess(target: TerminationTarget): boolean {
    try {
      process.kill(target.pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
    }
    if (isZombie(target.pid)) return false;
    if (!target.key) return true;
    const current = this.monitor.get(target.pid);
    return current === undefined ? true : current.key === target.key;
  }
}

/** A zombie has exited but still answers kill(pid, 0) until its parent reaps it (Linux only: elsewhere false). */
function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}
