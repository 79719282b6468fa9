import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Monitor } from '../../src/monitor/Monitor';
import { ProcessTerminator } from '../../src/extension/ProcessTerminator';
import { EXTENSION_ID, flatten, isAlive, killQuietly, nodeCommandWritingPid, ticksUntil, vitalsApi, waitForFile } from './vitalsTestSupport';

describe('Where processes come from, in a real VS Code', function () {
  this.timeout(120_000);
  let scratch: string;
  const pids: number[] = [];

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'pv-origins-'));
  });
  after(() => {
    pids.forEach(killQuietly);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('shows a shell task under its name and records its exit code when it ends', async () => {
    const vitals = await vitalsApi();
    const task = (await vscode.tasks.fetchTasks()).find((t) => t.name === 'pv-test-task');
    assert.ok(task, 'the fixture workspace defines pv-test-task');
    const started = new Promise<number>((resolve) => {
      const sub = vscode.tasks.onDidStartTaskProcess((e) => {
        if (e.execution.task.name === 'pv-test-task') {
          sub.dispose();
          resolve(e.processId);
        }
      });
    });
    await vscode.tasks.executeTask(task);
    const taskPid = await started;

    const group = () => vitals.getProcessTree().find((n) => n.label === 'Task: pv-test-task');
    await ticksUntil(vitals, () => (group()?.children.length ?? 0) > 0, 10);
    const processes = flatten(group()!.children);
    assert.ok(processes.some((n) => n.pid === taskPid), `the task's process ${taskPid} is in its group`);
    assert.ok(processes.some((n) => /setTimeout\(\(\)=>process\.exit\(3\),4000\)/.test(n.command ?? '')), 'the task command is shown');

    await ticksUntil(vitals, () => group() === undefined, 30);
    const ended = vitals.getEndedTasks().find((t) => t.name === 'pv-test-task' && t.pid === taskPid);
    assert.ok(ended, 'the ended task is recorded');
    assert.equal(ended.exitCode, 3);
  });

  it('shows a node launch configuration under its name with the debuggee\'s real PID', async () => {
    const vitals = await vitalsApi();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the fixture workspace is open');
    assert.ok(await vscode.debug.startDebugging(folder, 'pv-test-launch'), 'the debug session started');
    try {
      const group = () => vitals.getProcessTree().find((n) => n.label === 'Debug: pv-test-launch');
      await ticksUntil(vitals, () => (group()?.children.length ?? 0) > 0, 60);
      const debuggee = group()!.children[0];
      assert.ok(debuggee.pid, 'the debuggee has a PID');
      // The debuggee is the program itself, not js-debug's adapter or the bootloader's parent.
      assert.match(debuggee.command ?? '', /ticker\.js/);
      if (process.platform === 'linux') {
        assert.match(readFileSync(`/proc/${debuggee.pid}/cmdline`, 'utf8'), /ticker\.js/);
      }
    } finally {
      await vscode.debug.stopDebugging();
    }
    await ticksUntil(vitals, () => !vitals.getProcessTree().some((n) => n.label === 'Debug: pv-test-launch'), 30);
  });

  it('keeps a program that outlives its closed terminal under Orphaned', async () => {
    const vitals = await vitalsApi();
    const pidFile = join(scratch, 'orphan.pid');
    const terminal = vscode.window.createTerminal({ name: 'pv-orphan', cwd: scratch });
    const shellPid = await terminal.processId;
    await ticksUntil(vitals, () => vitals.getProcessTree().some((n) => n.pid === shellPid), 20);
    // Ignores the hangup a closing terminal sends: the classic dev server left running.
    terminal.sendText(nodeCommandWritingPid(pidFile, 'process.on("SIGHUP", () => {}); setInterval(() => {}, 1000)'));
    const pid = Number(await waitForFile(pidFile, 'the orphan-to-be'));
    pids.push(pid);
    await ticksUntil(vitals, () => flatten(vitals.getProcessTree()).some((n) => n.pid === pid), 10);

    terminal.dispose();
    const orphaned = () => vitals.getProcessTree().find((n) => n.label === 'Orphaned')?.children.find((c) => c.pid === pid);
    await ticksUntil(vitals, () => orphaned() !== undefined, 20);
    assert.equal(orphaned()!.kind, 'process.orphan');
    assert.ok(isAlive(pid), 'the orphan is still running');
    assert.ok(!vitals.getProcessTree().some((n) => n.label === 'Terminal: pv-orphan'), 'the closed terminal is gone');

    // Stop Watching forgets it without ending it.
    await vscode.commands.executeCommand('processVitals.stopWatching', pid);
    await ticksUntil(vitals, () => orphaned() === undefined, 5);
    assert.ok(isAlive(pid), 'stop watching does not terminate');
  });

  it('terminates a real process with SIGTERM, and one that ignores it with SIGKILL after asking', async () => {
    const log = vscode.window.createOutputChannel('Process Vitals test', { log: true });
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    const monitor = new Monitor({ intervalMs: 250, historyMinutes: 1, workerScript: join(extension.extensionPath, 'dist', 'monitorWorker.js') });
    const asked: string[] = [];
    const terminator = new ProcessTerminator(monitor, log, {
      confirm: async (question) => (asked.push(question), true),
      offerForceKill: async (message) => (asked.push(message), true),
    });
    const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
    const polite = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', env });
    const stubborn = spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'], { stdio: 'ignore', env });
    pids.push(polite.pid!, stubborn.pid!);
    const exited = (child: typeof polite) => new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    try {
      const politeExit = exited(polite);
      await terminator.terminate([{ pid: polite.pid!, label: 'polite' }]);
      assert.equal(await politeExit, 'SIGTERM');
      assert.deepEqual(asked, ['Terminate "polite" (PID ' + polite.pid + ')?']);

      // Let the stubborn one install its handler before it is asked to leave.
      await new Promise((r) => setTimeout(r, 500));
      const stubbornExit = exited(stubborn);
      await terminator.terminate([{ pid: stubborn.pid!, label: 'stubborn' }]);
      assert.equal(await stubbornExit, 'SIGKILL');
      assert.match(asked[2], new RegExp(`PID ${stubborn.pid} is still running 3 s after SIGTERM`));
    } finally {
      monitor.dispose();
      log.dispose();
    }
  });
});
