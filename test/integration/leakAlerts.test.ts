import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Alert } from '../../src/monitor/alerts/AlertEngine';
import { agentInjected, killQuietly, nodeCommandWritingPid, ticksUntil, vitalsApi, waitForFile } from './vitalsTestSupport';

/**
 * Settings lowered so that a leak since launch is judged after 15 s instead of a minute, and an
 * alert fires 5 s after its verdict instead of 30: the leak alert comes within about a minute.
 */
const SETTINGS = { 'leaks.startupSeconds': 15, 'alerts.sustainSeconds': 5 } as const;
/** Ticks the healthy program is watched after the leaking one's alert fired, for its own chance to (wrongly) fire. */
const MARGIN_TICKS = 20;

describe('Leak alerts in a real VS Code', function () {
  // Generous: the machines are shared; the test waits on ticks, and asserts no absolute time.
  this.timeout(360_000);
  let scratch: string;
  const pids: number[] = [];
  const terminals: vscode.Terminal[] = [];
  const configuration = () => vscode.workspace.getConfiguration('processVitals');

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'pv-leak-alerts-'));
    for (const [key, value] of Object.entries(SETTINGS)) await configuration().update(key, value, vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    terminals.forEach((t) => t.dispose());
    pids.forEach(killQuietly);
    for (const key of Object.keys(SETTINGS)) await configuration().update(key, undefined, vscode.ConfigurationTarget.Global);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('raises a leak alert in the Alerts tree for a leaking program started in a terminal, and none for a healthy one', async () => {
    const vitals = await vitalsApi();
    await agentInjected(vitals);
    // The leak detector takes its start-up allowance for processes seen after the setting changed:
    // it must be in effect in this extension host before the programs start.
    for (let i = 0; i < 100 && configuration().get('leaks.startupSeconds') !== SETTINGS['leaks.startupSeconds']; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(configuration().get('leaks.startupSeconds'), SETTINGS['leaks.startupSeconds']);
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(workspace, 'the test workspace is open');

    const start = async (name: string, program: string): Promise<number> => {
      const pidFile = join(scratch, `${name}.pid`);
      const terminal = vscode.window.createTerminal({ name, cwd: scratch });
      terminals.push(terminal);
      terminal.sendText(nodeCommandWritingPid(pidFile, `require(${JSON.stringify(join(workspace, program))})`));
      const pid = Number(await waitForFile(pidFile, name));
      pids.push(pid);
      return pid;
    };
    const leakingPid = await start('pv-leaking', 'leaking-log-processor.js');
    const healthyPid = await start('pv-healthy', 'log-processor.js');
    // Watched, and with their agents: the heap figures the leak detector reads come from them.
    await ticksUntil(vitals, () => [leakingPid, healthyPid].every((pid) => vitals.processKeyOf(pid) !== undefined && vitals.getAgent(pid) !== undefined), 30);
    const healthyKey = vitals.processKeyOf(healthyPid);

    // On every tick from now on: any leak alert the healthy program gets (even one that resolves
    // again), and its heap, which must go down as well as up (it allocates and frees).
    const leakAlertOf = (pid: number): Alert | undefined => vitals.getAlerts().find((a) => a.pid === pid && a.rule === 'leak');
    const healthyLeakAlerts = new Map<string, string>(); // alert id -> message when first seen
    const healthyHeap: number[] = [];
    const watchHealthy = vitals.onDidTick(() => {
      const alert = leakAlertOf(healthyPid);
      if (alert && !healthyLeakAlerts.has(alert.id)) healthyLeakAlerts.set(alert.id, alert.message);
      const heap = vitals.getAgent(healthyPid)?.heapUsed;
      if (heap !== undefined) healthyHeap.push(heap);
    });
    try {
      // The detector needs 30 s of growth after the allowance and a major GC confirming it, then
      // the alert its sustain period: a minute or so; the limit leaves room for a loaded machine.
      const ticks = await ticksUntil(vitals, () => leakAlertOf(leakingPid) !== undefined, 300);
      const alert = leakAlertOf(leakingPid)!;
      console.log(`leak alert after ${ticks} ticks: ${alert.message}`);
      assert.equal(alert.state, 'firing');
      assert.equal(alert.processKey, vitals.processKeyOf(leakingPid));
      assert.match(alert.message, /^heap leak: heap(Used|AfterGc) grows \d+(\.\d)? KB\/s \(\d+% confidence/);

      // The Alerts tree shows it under its severity's group, as "<process> (<pid>)" with the
      // leak rule's message and its state, the rule named in the hover.
      const tree = vitals.getAlertsTree();
      const groupLabel = alert.severity === 'error' ? 'Errors' : 'Warnings';
      const group = tree.find((node) => node.kind === 'alertGroup' && node.label === groupLabel);
      assert.ok(group, `a "${groupLabel}" group in the Alerts tree: ${JSON.stringify(tree)}`);
      const row = group.children.find((node) => node.alertId === alert.id);
      assert.ok(row, `the leak alert under "${groupLabel}": ${JSON.stringify(tree)}`);
      assert.equal(row.kind, 'alert.firing');
      assert.equal(row.label, `${alert.processName} (${leakingPid})`);
      assert.ok(row.description?.startsWith(`${alert.message} · since `), `row description: ${row.description}`);
      assert.match(row.tooltip ?? '', /Rule `leak`/);
      assert.ok(
        tree.every((node) => node.kind !== 'alertGroup' || node.label === groupLabel || node.children.every((child) => child.alertId !== alert.id)),
        `the leak alert is in one group only: ${JSON.stringify(tree)}`,
      );

      // The healthy program ran as long, plus a margin, without a leak alert.
      let margin = 0;
      await ticksUntil(vitals, () => ++margin >= MARGIN_TICKS, MARGIN_TICKS * 3);
    } finally {
      watchHealthy.dispose();
    }
    assert.deepEqual([...healthyLeakAlerts.values()], [], 'no leak alert for the healthy program');
    assert.equal(vitals.processKeyOf(healthyPid), healthyKey, 'the healthy program was watched throughout');
    assert.ok(vitals.getAgent(healthyPid), 'the healthy program kept its agent');
    const fell = healthyHeap.some((heap, i) => i > 0 && heap < healthyHeap[i - 1]!);
    const rose = healthyHeap.some((heap, i) => i > 0 && heap > healthyHeap[i - 1]!);
    assert.ok(rose && fell, `the healthy program's heap rose and fell: ${healthyHeap.map((h) => Math.round(h / 1024 ** 2)).join(', ')} MB`);
  });
});
