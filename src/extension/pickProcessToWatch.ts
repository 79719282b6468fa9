import * as vscode from 'vscode';
import type { ProcessInfo } from '../monitor/processes/ProcessSource';
import { shortenCommand } from './format';

/** What the user picked: an existing process, by PID. */
export interface PickedProcess {
  readonly pid: number;
  readonly label: string;
}

interface ProcessPickItem extends vscode.QuickPickItem {
  readonly pid: number;
}

/**
 * Shows every process on the machine in a QuickPick, searchable by name, PID and command line.
 * Typing a bare PID that is not listed (a process that just started) is accepted too.
 */
export async function pickProcessToWatch(listAll: () => Promise<ProcessInfo[]>, isAlreadyWatched: (pid: number) => boolean): Promise<PickedProcess | undefined> {
  const quickPick = vscode.window.createQuickPick<ProcessPickItem>();
  quickPick.title = 'Watch Process';
  quickPick.placeholder = 'Type a name, a PID or part of a command line';
  quickPick.matchOnDescription = true;
  quickPick.matchOnDetail = true;
  quickPick.busy = true;
  quickPick.show();
  try {
    const processes = await listAll();
    quickPick.items = processes
      .filter((p) => p.pid !== process.pid)
      .sort((a, b) => b.startTime - a.startTime)
      .map((p) => ({
        pid: p.pid,
        label: p.name || String(p.pid),
        description: `PID ${p.pid}${isAlreadyWatched(p.pid) ? ' · watched' : ''}`,
        detail: p.command ? shortenCommand(p.command, 160) : undefined,
      }));
  } catch (error) {
    quickPick.placeholder = `Could not list processes (${String(error)}); type a PID`;
  } finally {
    quickPick.busy = false;
  }
  return new Promise<PickedProcess | undefined>((resolve) => {
    quickPick.onDidAccept(() => {
      const chosen = quickPick.selectedItems[0];
      const typed = quickPick.value.trim();
      if (chosen) resolve({ pid: chosen.pid, label: chosen.label });
      else if (/^\d+$/.test(typed)) resolve({ pid: Number(typed), label: `PID ${typed}` });
      else return; // nothing usable yet: keep the picker open
      quickPick.hide();
    });
    quickPick.onDidHide(() => {
      resolve(undefined);
      quickPick.dispose();
    });
  });
}
