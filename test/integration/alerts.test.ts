import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { killQuietly, runNodeInTerminal, ticksUntil, vitalsApi } from './vitalsTestSupport';

describe('Alerts in a real VS Code', function () {
  this.timeout(120_000);
  let scratch: string;
  const pids: number[] = [];
  const terminals: vscode.Terminal[] = [];
  const configuration = () => vscode.workspace.getConfiguration('processVitals');

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'pv-alerts-'));
    // A low CPU threshold held for two seconds makes a busy loop a real alert quickly.
    await configuration().update('alerts.cpuPercent', 30, vscode.ConfigurationTarget.Global);
    await configuration().update('alerts.sustainSeconds', 2, vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    terminals.forEach((t) => t.dispose());
    pids.forEach(killQuietly);
    for (const key of ['alerts.cpuPercent', 'alerts.sustainSeconds']) await configuration().update(key, undefined, vscode.ConfigurationTarget.Global);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('raises a CPU alert for a busy program, counts it in the status bar, and resolves it when the program exits', async () => {
    const vitals = await vitalsApi();
    const pid = await runNodeInTerminal({ terminals, pids }, 'pv-busy', scratch, 'for (;;) {}');

    const alert = () => vitals.getAlerts().find((a) => a.pid === pid && a.rule === 'cpu');
    await ticksUntil(vitals, () => alert() !== undefined, 30);
    assert.equal(alert()!.state, 'firing');
    assert.match(alert()!.message, /^CPU \d+% \(over 30%\)$/);
    await ticksUntil(vitals, () => /\$\(warning\) \d+/.test(vitals.getStatusBar().text), 3);

    await vscode.commands.executeCommand('processVitals.acknowledgeAlert', { kind: 'alert', alert: alert() });
    assert.equal(alert()!.state, 'acknowledged');

    process.kill(pid, 'SIGKILL');
    await ticksUntil(vitals, () => alert() === undefined, 10);
    assert.ok(!/\$\(warning\)/.test(vitals.getStatusBar().text) || vitals.getAlerts().length > 0);
  });

  it('does not alert on an idle program', async () => {
    const vitals = await vitalsApi();
    const pid = await runNodeInTerminal({ terminals, pids }, 'pv-idle', scratch, 'setInterval(() => {}, 1000)');
    // Long enough for the sustain period to pass several times over.
    let ticks = 0;
    await ticksUntil(vitals, () => ++ticks >= 8, 20);
    assert.deepEqual(vitals.getAlerts().filter((a) => a.pid === pid), []);
  });
});
