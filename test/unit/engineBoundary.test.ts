import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const repo = join(__dirname, '../../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.[cm]?[jt]s$/.test(name) ? [path] : [];
  });
}

// A value import of 'vscode' (static, require or dynamic); `import type` is fine, it vanishes.
const VALUE_IMPORT = /^\s*import\s+(?!type\b)[^;]*from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\)/m;

describe('engine boundary', () => {
  for (const folder of ['src/monitor', 'src/agent', 'src/cli']) {
    it(`nothing under ${folder} imports vscode`, () => {
      const files = sourceFiles(join(repo, folder));
      assert.ok(files.length > 0, `${folder} has sources`);
      const offenders = files.filter((f) => VALUE_IMPORT.test(readFileSync(f, 'utf8'))).map((f) => relative(repo, f));
      assert.deepEqual(offenders, []);
    });
  }

  it('the detector itself catches each way of importing vscode', () => {
    for (const text of ["import * as vscode from 'vscode';", "import { window } from \"vscode\";", "const v = require('vscode');", "await import('vscode')"]) {
      assert.ok(VALUE_IMPORT.test(text), text);
    }
    assert.ok(!VALUE_IMPORT.test("import type * as vscode from 'vscode';"));
  });
});
