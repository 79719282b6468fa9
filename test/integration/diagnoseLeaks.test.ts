import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { agentInjected, flatten, killQuietly, runNodeInTerminal, ticksUntil, vitalsApi } from './vitalsTestSupport';

/** A program that keeps every request-like object it makes: a heap leak with a name to find. */
const LEAKING_PROGRAM = 'class LeakyRequestRecord { constructor(i) { this.id = i; this.payload = "x".repeat(256) + i; } } const kept = []; let i = 0; setInterval(() => { for (let k = 0; k < 200; k++) kept.push(new LeakyRequestRecord(i++)); }, 50)';

describe('Diagnose Leaks in a real VS Code', function () {
  this.timeout(180_000);
  let scratch: string;
  const pids: number[] = [];
  const terminals: vscode.Terminal[] = [];

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'pv-diagnose-'));
  });
  after(() => {
    terminals.forEach((t) => t.dispose());
    pids.forEach(killQuietly);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('diagnoses a leaking Node program end to end: names the leaking constructor and opens the report', async () => {
    const vitals = await vitalsApi();
    await agentInjected(vitals);
    const pid = await runNodeInTerminal({ terminals, pids }, 'pv-leaky', scratch, LEAKING_PROGRAM);
    await ticksUntil(vitals, () => vitals.getAgent(pid) !== undefined && flatten(vitals.getProcessTree()).some((n) => n.pid === pid), 20);

    const processKey = vitals.processKeyOf(pid);
    assert.ok(processKey, `PID ${pid} is watched`);
    const report = await vitals.diagnoseLeaks(processKey, 3);
    assert.ok(report, 'the diagnosis ran');
    assert.equal(report.outcome, 'leak', report.summary);
    assert.ok(report.kinds.includes('heap'), `kinds: ${report.kinds.join(', ')}`);
    assert.match(report.markdown, /LeakyRequestRecord/);
    assert.ok(existsSync(join(report.folder, 'report.md')), 'the report is written in extension storage');

    // The report is open in an editor tab (the Markdown preview of report.md).
    const reportTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => /report\.md/.test(t.label));
    await ticksUntil(vitals, () => reportTabs().length > 0, 10).catch(() => undefined);
    assert.ok(reportTabs().length > 0, `tabs: ${vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label).join(', ')}`);
  });
});
