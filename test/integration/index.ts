/**
 * Entry point VS Code's test loader calls inside the extension host (extensionTestsPath): runs every
 * out/test/integration/**\/*.test.js with mocha (bdd) and the JSON summary reporter, whose file is
 * PV_TEST_RESULTS (set by the runner on the server's environment, which the extension host inherits).
 */
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import JsonSummaryReporter from '../harness/JsonSummaryReporter';
import { markExtensionHostConsole } from '../harness/extensionHostConsole';

/** All *.test.js files under dir, sorted for a stable order. */
function testFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) found.push(...testFiles(file));
    else if (name.endsWith('.test.js')) found.push(file);
  }
  return found;
}

/** Called by VS Code; settles when the suite is done, rejecting when anything failed. */
export function run(): Promise<void> {
  // Lets the offline runner pick the extension host's lines out of the browser console.
  if (process.env.PV_MARK_EXTENSION_HOST_CONSOLE === '1') {
    markExtensionHostConsole();
    Mocha.reporters.Base.consoleLog = console.log; // mocha kept the console.log it saw when loaded
  }
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    // No per-test time limit: tests wait for events, and the runner's overall limit catches hangs
    // (the summary file then names the test that was running). PV_TEST_TIMEOUT sets one if wanted.
    timeout: Number(process.env.PV_TEST_TIMEOUT ?? 0),
    reporter: JsonSummaryReporter,
    reporterOptions: { output: process.env.PV_TEST_RESULTS },
    ...(process.env.PV_TEST_GREP ? { grep: process.env.PV_TEST_GREP } : {}),
  });
  Mocha.reporters.Base.useColors = false; // lines travel through the browser console
  const files = testFiles(__dirname);
  for (const file of files) mocha.addFile(file);
  return new Promise((resolve, reject) => {
    if (!files.length) {
      reject(new Error(`no *.test.js files under ${__dirname}: run the build first`));
      return;
    }
    try {
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
