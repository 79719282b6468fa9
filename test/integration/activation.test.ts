/**
 * The extension, as installed from this repository, activates in a real extension host and
 * contributes what its package.json declares.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ProcessVitalsApi } from '../../src/extension/api';

const EXTENSION_ID = 'process-vitals.process-vitals';
const VIEW_CONTAINER = 'processVitals';

interface Manifest {
  contributes?: {
    commands?: { command: string; title: string }[];
    viewsContainers?: Record<string, { id: string }[]>;
    views?: Record<string, { id: string; name: string }[]>;
  };
}

function extension(): vscode.Extension<ProcessVitalsApi> {
  const found = vscode.extensions.getExtension<ProcessVitalsApi>(EXTENSION_ID);
  assert.ok(found, `${EXTENSION_ID} is not installed in this extension host`);
  return found;
}

describe('activation', () => {
  it('activates and returns the API', async () => {
    const api = await extension().activate();
    assert.equal(extension().isActive, true);
    assert.equal(typeof api?.getProcessTree, 'function');
    assert.equal(typeof api.onDidChangeProcessTree, 'function');
    assert.ok(Array.isArray(api.getProcessTree()), 'getProcessTree() returns an array');
    const statusBar = api.getStatusBar();
    assert.equal(typeof statusBar.text, 'string');
  });

  it('registers every command its package.json declares', async () => {
    await extension().activate();
    const declared = ((extension().packageJSON as Manifest).contributes?.commands ?? []).map((c) => c.command);
    assert.ok(declared.length > 0, 'package.json declares no commands');
    for (const id of declared) assert.match(id, /^processVitals\./, `command ${id} lacks the processVitals. prefix`);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(
      declared.filter((id) => !registered.has(id)),
      [],
      'declared in package.json but not registered by activate()',
    );
  });

  it('contributes the Process Vitals view container with its Processes and Alerts views', async () => {
    await extension().activate();
    const contributes = (extension().packageJSON as Manifest).contributes ?? {};
    const containers = contributes.viewsContainers?.activitybar ?? [];
    assert.ok(containers.some((c) => c.id === VIEW_CONTAINER), `no activity bar container '${VIEW_CONTAINER}'`);
    const views = (contributes.views?.[VIEW_CONTAINER] ?? []).map((v) => v.id);
    assert.deepEqual(views.filter((id) => id === 'processVitals.processes' || id === 'processVitals.alerts').sort(), [
      'processVitals.alerts',
      'processVitals.processes',
    ]);
    // These commands exist only when the workbench registered the container and views.
    await vscode.commands.executeCommand(`workbench.view.extension.${VIEW_CONTAINER}`);
    await vscode.commands.executeCommand('processVitals.processes.focus');
    await vscode.commands.executeCommand('processVitals.alerts.focus');
  });
});
