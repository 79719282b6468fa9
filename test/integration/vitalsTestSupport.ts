/** What the integration tests share: the extension's API and ways to wait on real events. */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ProcessTreeNodeSnapshot, ProcessVitalsApi } from '../../src/extension/api';

/** The extension under test. */
export const EXTENSION_ID = 'process-vitals.process-vitals';

/** Activates the extension and returns its API. */
export async function vitalsApi(): Promise<ProcessVitalsApi> {
  const extension = vscode.extensions.getExtension<ProcessVitalsApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed`);
  return extension.activate();
}

/** Every node of a tree, depth first. */
export function flatten(nodes: readonly ProcessTreeNodeSnapshot[]): ProcessTreeNodeSnapshot[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

/** Resolves when condition() holds, checked after every monitor tick; resolves with the ticks it took. */
export function ticksUntil(vitals: ProcessVitalsApi, condition: () => boolean, maxTicks: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let ticks = 0;
    if (condition()) return resolve(0);
    const subscription = vitals.onDidTick(() => {
      ticks++;
      if (condition()) {
        subscription.dispose();
        resolve(ticks);
      } else if (ticks >= maxTicks) {
        subscription.dispose();
        reject(new Error(`condition still false after ${ticks} ticks; tree: ${JSON.stringify(vitals.getProcessTree())}`));
      }
    });
  });
}

/**
 * Resolves once the agent's environment is in place for new terminals. Activation starts the agent
 * server asynchronously, and a terminal created before that has no agent (VS Code then shows its
 * relaunch hint): a test that needs the agent must not race it. Polled, since nothing may be
 * watched yet (so no monitor ticks).
 */
export async function agentInjected(vitals: ProcessVitalsApi): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (vitals.getAgentInjectionState() === 'injected') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`agent injection state is still ${vitals.getAgentInjectionState()}`);
}

/** Polls for a file a test program writes once it has started (its PID, usually). */
export async function waitForFile(path: string, what: string): Promise<string> {
  for (let i = 0; i < 600; i++) {
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      if (text) return text;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} never wrote ${path}`);
}

/** Whether a process is alive (and not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

/** Kills a process if it is still there. */
export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** A shell command line that starts node, writes its PID to pidFile, then runs body. */
export function nodeCommandWritingPid(pidFile: string, body: string): string {
  return `node -e 'require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); ${body}'`;
}

/** What a test started in terminals, for its after() hook to end. */
export interface TerminalPrograms {
  readonly terminals: vscode.Terminal[];
  readonly pids: number[];
}

/**
 * Types a node program into a new integrated terminal named `name`, in `cwd`, as a user would, and
 * resolves with its PID once the program has written it (to `<name>.pid` in cwd). The terminal and
 * the PID join `started`.
 */
export async function runNodeInTerminal(started: TerminalPrograms, name: string, cwd: string, body: string): Promise<number> {
  const pidFile = join(cwd, `${name}.pid`);
  const terminal = vscode.window.createTerminal({ name, cwd });
  started.terminals.push(terminal);
  terminal.sendText(nodeCommandWritingPid(pidFile, body));
  const pid = Number(await waitForFile(pidFile, `the program of terminal ${name}`));
  started.pids.push(pid);
  return pid;
}
