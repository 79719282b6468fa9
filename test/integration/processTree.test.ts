import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { flatten, killQuietly, nodeCommandWritingPid, ticksUntil, vitalsApi as api, waitForFile } from './vitalsTestSupport';

describe('Processes tree in a real VS Code', function () {
  this.timeout(120_000);
  let scratch: string;
  const terminals: vscode.Terminal[] = [];
  const pids: number[] = [];

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'pv-int-'));
  });
  after(() => {
    for (const t of terminals) t.dispose();
    pids.forEach(killQuietly);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('shows a node program started in an integrated terminal, with its real PID, within two ticks', async () => {
    const vitals = await api();
    const pidFile = join(scratch, 'terminal-node.pid');
    const terminal = vscode.window.createTerminal({ name: 'pv-int', cwd: scratch });
    terminals.push(terminal);
    const shellPid = await terminal.processId;
    assert.ok(shellPid, 'the terminal has a shell process');
    // The shell must be known before the command runs, or the count below would include its discovery.
    await ticksUntil(vitals, () => vitals.getProcessTree().some((n) => n.pid === shellPid), 20);

    terminal.sendText(nodeCommandWritingPid(pidFile, 'setInterval(() => {}, 1000)'));
    const pid = Number(await waitForFile(pidFile, 'the terminal program'));
    pids.push(pid);

    const found = () => flatten(vitals.getProcessTree()).find((n) => n.pid === pid);
    const ticks = await ticksUntil(vitals, () => found() !== undefined, 10);
    assert.ok(ticks <= 2, `the program appeared after ${ticks} ticks`);

    const group = vitals.getProcessTree().find((n) => n.pid === shellPid)!;
    assert.equal(group.label, 'Terminal: pv-int');
    const node = flatten(group.children).find((n) => n.pid === pid);
    assert.ok(node, 'the program is under its terminal');
    assert.match(node.command ?? '', /^node -e /);
    assert.match(node.description ?? '', new RegExp(`^${pid} · [\\d.]+% · [\\d.]+ (KB|MB)$`));
  });

  it('counts the program in the status bar and removes it when it exits', async () => {
    const vitals = await api();
    const pid = pids[0];
    assert.ok(pid, 'the previous test started a program');
    await ticksUntil(vitals, () => /\$\(pulse\) [\d.]+% · [\d.]+ (KB|MB|GB)/.test(vitals.getStatusBar().text), 5);
    process.kill(pid, 'SIGTERM');
    await ticksUntil(vitals, () => !flatten(vitals.getProcessTree()).some((n) => n.pid === pid), 5);
  });

  it('watches any process by PID (command argument, as a keybinding would pass it), and stops watching it', async () => {
    const vitals = await api();
    const { spawn } = await import('node:child_process');
    // The extension host may be Electron: run its binary as plain Node.
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    const pid = child.pid!;
    pids.push(pid);
    const watchedNode = () => vitals.getProcessTree().find((n) => n.label === 'Watched')?.children.find((c) => c.pid === pid);
    assert.equal(watchedNode(), undefined, 'not watched before it is picked');

    await vscode.commands.executeCommand('processVitals.watchProcess', pid);
    await ticksUntil(vitals, () => watchedNode() !== undefined, 5);
    assert.equal(watchedNode()!.kind, 'process.watchedRoot');

    await vscode.commands.executeCommand('processVitals.stopWatching', pid);
    await ticksUntil(vitals, () => watchedNode() === undefined, 5);
    child.kill();
  });
});
