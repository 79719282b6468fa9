import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { FINE_LOOP_DELAY_RESOLUTION_MS } from '../../src/agent/agentProtocol';
import { agentInjected, flatten, killQuietly, nodeCommandWritingPid, runNodeInTerminal, ticksUntil, vitalsApi, waitForFile } from './vitalsTestSupport';

describe('The Node agent in a real VS Code', function () {
  this.timeout(120_000);
  let scratch: string;
  const pids: number[] = [];
  const terminals: vscode.Terminal[] = [];

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'pv-agent-'));
  });
  after(async () => {
    terminals.forEach((t) => t.dispose());
    pids.forEach(killQuietly);
    await vscode.workspace.getConfiguration('processVitals').update('agent.enabled', undefined, vscode.ConfigurationTarget.Global);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('is injected into new terminals of a trusted workspace', async () => {
    const vitals = await vitalsApi();
    await agentInjected(vitals);
  });

  it('reports a node program typed into a new terminal within its first second', async () => {
    const vitals = await vitalsApi();
    await agentInjected(vitals);
    const pidFile = join(scratch, 'agent-terminal.pid');
    const oneSecond = join(scratch, 'agent-terminal.1s');
    const terminal = vscode.window.createTerminal({ name: 'pv-agent', cwd: scratch });
    terminals.push(terminal);
    terminal.sendText(nodeCommandWritingPid(pidFile, `setTimeout(() => require("fs").writeFileSync(${JSON.stringify(oneSecond)}, "1"), 1000); setInterval(() => {}, 1000)`));
    const pid = Number(await waitForFile(pidFile, 'the terminal program'));
    pids.push(pid);
    // The program's own clock says when its first second is over; by then its agent has said hello.
    await waitForFile(oneSecond, 'the terminal program, one second in');
    const agent = vitals.getAgent(pid);
    assert.ok(agent, `the agent of PID ${pid} is connected one second after the program started`);
    assert.match(agent.nodeVersion, /^v?\d+\.\d+\.\d+/);

    // The tree marks it and shows its heap and event-loop delay.
    await ticksUntil(vitals, () => flatten(vitals.getProcessTree()).some((n) => n.pid === pid && n.agent === true && /heap \d/.test(n.description ?? '')), 10);
    const node = flatten(vitals.getProcessTree()).find((n) => n.pid === pid)!;
    assert.match(node.description ?? '', /· heap [\d.]+ (KB|MB) · loop [\d.]+ ms$/);
  });

  it('asks for fine detail while the dashboard shows that process, and stops when the dashboard closes', async () => {
    const vitals = await vitalsApi();
    await agentInjected(vitals);
    // Idle: without fine detail its agent measures the loop by its report timer (resolution 0).
    const pid = await runNodeInTerminal({ terminals, pids }, 'pv-agent-fine', scratch, 'setInterval(() => {}, 1000)');
    await ticksUntil(vitals, () => vitals.getAgent(pid)?.loopDelayResolutionMs === 0 && vitals.processKeyOf(pid) !== undefined, 15);
    await vscode.commands.executeCommand('processVitals.openDashboard', vitals.processKeyOf(pid));
    try {
      await ticksUntil(vitals, () => vitals.getAgent(pid)?.loopDelayResolutionMs === FINE_LOOP_DELAY_RESOLUTION_MS, 15);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
    await ticksUntil(vitals, () => vitals.getAgent(pid)?.loopDelayResolutionMs === 0, 15);
  });

  it('is injected into a node launch configuration, and the debuggee reports', async () => {
    const vitals = await vitalsApi();
    const folder = vscode.workspace.workspaceFolders![0];
    assert.ok(await vscode.debug.startDebugging(folder, 'pv-test-launch'));
    try {
      const debuggee = () => vitals.getProcessTree().find((n) => n.label === 'Debug: pv-test-launch')?.children[0];
      await ticksUntil(vitals, () => debuggee()?.pid !== undefined, 60);
      const pid = debuggee()!.pid!;
      await ticksUntil(vitals, () => vitals.getAgent(pid) !== undefined, 10);
      // The launch token the configuration provider set came back in the agent's hello and named this debuggee.
      await ticksUntil(vitals, () => vitals.getDebuggees().some((d) => d.pid === pid && d.sources.includes('its agent\'s hello')), 10);
      assert.deepEqual(vitals.getDebuggees().filter((d) => d.session === 'pv-test-launch').map((d) => d.pid), [pid], 'one debuggee, the agent\'s process');
    } finally {
      await vscode.debug.stopDebugging();
    }
  });

  it('stops injecting when the setting is turned off, and starts again when it is turned on', async () => {
    const vitals = await vitalsApi();
    const configuration = () => vscode.workspace.getConfiguration('processVitals');
    await configuration().update('agent.enabled', false, vscode.ConfigurationTarget.Global);
    await ticksUntil(vitals, () => vitals.getAgentInjectionState() === 'disabled', 10);
    await configuration().update('agent.enabled', true, vscode.ConfigurationTarget.Global);
    await ticksUntil(vitals, () => vitals.getAgentInjectionState() === 'injected', 10);
  });
});
