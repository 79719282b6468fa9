import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALERT_SETTINGS } from '../../../src/extension/alerts/alertSettings';
import { Commands, ContextKeys, PREFIX, SettingBounds, Settings, Views, WebviewPanels } from '../../../src/extension/contributions';

const manifest = JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8'));
const contributes = manifest.contributes;

describe('package.json contributions agree with contributions.ts', () => {
  it('declares exactly the commands of the Commands module, each titled under the category', () => {
    const declared = contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual(declared, Object.values(Commands).sort());
    for (const c of contributes.commands) {
      assert.equal(c.category, 'Process Vitals', c.command);
      assert.match(c.title, /^[A-Z][a-z]*( [A-Z][a-z]*| [A-Z]{2,4})*(\.\.\.|\?)?$/, `title case: ${c.title}`);
    }
  });

  it('declares the activity bar container and both views', () => {
    assert.equal(contributes.viewsContainers.activitybar[0].id, Views.container);
    assert.equal(contributes.viewsContainers.activitybar[0].title, 'Process Vitals');
    assert.deepEqual(contributes.views[Views.container].map((v: { id: string }) => v.id), [Views.processes, Views.alerts]);
    assert.deepEqual(contributes.views[Views.container].map((v: { name: string }) => v.name), ['Processes', 'Alerts']);
  });

  it('declares every setting with a default, a description and, for numbers, the same bounds', () => {
    const properties = contributes.configuration.properties;
    assert.deepEqual(Object.keys(properties).sort(), Object.values(Settings).map((k) => `${PREFIX}.${k}`).sort());
    for (const [key, schema] of Object.entries<Record<string, unknown>>(properties)) {
      assert.ok('default' in schema, `${key} has a default`);
      assert.ok(schema.markdownDescription || schema.description, `${key} has a description`);
    }
    for (const [key, bounds] of Object.entries({ ...SettingBounds, ...ALERT_SETTINGS })) {
      const schema = properties[`${PREFIX}.${key}`];
      assert.deepEqual({ default: schema.default, minimum: schema.minimum, maximum: schema.maximum }, bounds, key);
    }
  });

  it('only uses known commands and context keys in menus', () => {
    const known = new Set<string>(Object.values(Commands));
    for (const entries of Object.values<Array<{ command: string; when?: string }>>(contributes.menus)) {
      for (const entry of entries) {
        assert.ok(known.has(entry.command), entry.command);
        for (const key of entry.when?.match(/processVitals\.[a-zA-Z.]+/g) ?? []) {
          assert.ok(Object.values(ContextKeys).includes(key as never) || Object.values(Views).includes(key as never), `${key} in ${entry.when}`);
        }
      }
    }
  });

  it('activates to restore a dashboard tab after a reload', () => {
    assert.ok(manifest.activationEvents.includes(`onWebviewPanel:${WebviewPanels.dashboard}`));
  });

  it('points main and bin at bundles the build produces, and keeps engines.vscode testable', () => {
    assert.equal(manifest.main, './dist/extension.js');
    assert.equal(manifest.bin['process-vitals'], './dist/cli.js');
    assert.equal(manifest.engines.vscode, '^1.100.0');
    assert.equal(manifest.devDependencies['@types/vscode'], '1.100.0');
  });
});
