/**
 * End-to-end steps of the capture commands (issue 6), run by runE2E.ts after the dashboard steps:
 * "Why Is It Still Running?" answers in a Markdown preview whose creation-line links open the
 * source at that line and column, and a heap snapshot and a CPU profile taken through the agent
 * open in VS Code's own viewers (the built-in js-profile-table extension's custom editors).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { required, screenshotsDir, type E2EStep } from './e2eStep';
import { selectors, type WorkbenchDriver } from './WorkbenchDriver';
/** The fixture workspace's program that should have exited (test/fixtures/workspace/keeps-running.js). */
const PROGRAM_FILE = 'keeps-running.js';
/** Its forgotten interval's line: the one creation line the answer must link to. */
const INTERVAL_LINE = 10;
/** Started with a variable of its own (which the restart must keep) and without tracking: its handles predate tracking until "Restart with Handle Tracking" starts it again. */
const PROGRAM = `PV_E2E_MARK=kept node ${PROGRAM_FILE}`;
/** The restarted program's terminal (DiagnosisCommands.restartWithTracking names it). */
const RESTARTED_TERMINAL = `${PROGRAM_FILE} (handle tracking)`;

/** The first frame of the page (webview content frames included) in which `selector` matches. */
async function frameWith(driver: WorkbenchDriver, selector: string, step: string): Promise<Frame> {
  let found: Frame | undefined;
  await driver.waitFor(async () => {
    for (const frame of driver.page.frames()) {
      if (await frame.locator(selector).count().catch(() => 0)) {
        found = frame;
        return true;
      }
    }
    return false;
  }, step);
  return required(found, step);
}

/**
 * Waits for a tree row of the fixture program whose agent has reported (the pickers of agent commands list only such processes); returns the row's PID.
 */
async function waitForAgentRow(driver: WorkbenchDriver, step: string): Promise<string> {
  const rows = driver.page.locator(selectors.treeRows('Processes')).filter({ hasText: PROGRAM_FILE });
  let pid: string | undefined;
  await driver.waitFor(async () => {
    // A row's aria-label is its tooltip: it names the PID, and the agent once it has reported.
    const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    pid = labels.map((l) => (l.includes('with the Process Vitals agent') ? /\bPID (\d+)/.exec(l)?.[1] : undefined)).find(Boolean);
    return pid !== undefined;
  }, step);
  return required(pid, step);
}

/** Waits for an editor tab whose title matches and for the js-profile-table viewer to render in it. */
async function expectProfileViewer(driver: WorkbenchDriver, tabTitle: RegExp, columnHeader: string, shot: string): Promise<void> {
  const page = driver.page;
  const tab = page.locator(selectors.editorTabs).filter({ hasText: tabTitle });
  await driver.waitVisible(tab, `an editor tab ${tabTitle} opens`);
  // The built-in viewer is a custom editor (a webview): its table header names the column.
  const frame = await frameWith(driver, `text=${columnHeader}`, `the built-in viewer shows its "${columnHeader}" column`);
  console.log(`[e2e] ${(await tab.first().innerText()).trim()} opened in ${frame.url().split('?')[0].split('/').slice(-2).join('/')}`);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: path.join(screenshotsDir, `${shot}.png`) });
  console.log(`[e2e] screenshot test-results/screenshots/${shot}.png`);
}

export const diagnosisSteps: readonly E2EStep[] = [
  {
    title: 'offers to restart a program whose handles predate tracking, and restarts it with tracking in a new terminal',
    async run(state) {
      const driver = required(state.driver, 'workbench');
      const page = driver.page;
      await driver.runCommand('View: Close All Editors');
      await driver.runInNewTerminal(PROGRAM);
      await driver.runCommand('View: Show Process Vitals');
      await driver.waitForTreeRow('Processes', PROGRAM_FILE, `${PROGRAM_FILE} appears in the Processes tree`);
      const oldPid = await waitForAgentRow(driver, `${PROGRAM_FILE}'s agent reports`);
      await driver.runCommandAndPickMatching('Process Vitals: Why Is It Still Running?', PROGRAM_FILE);
      await frameWith(driver, 'text=Created before tracking began', 'the answer says which handles predate tracking');
      const offer = page.locator(selectors.notificationButtons).filter({ hasText: 'Restart with Handle Tracking' });
      await (await driver.waitVisible(offer, 'a notification offers "Restart with Handle Tracking"')).click();
      const restart = page.locator(selectors.dialogButton('Restart'));
      await driver.waitVisible(restart, 'the restart dialog states what it will do');
      console.log(`[e2e] restart dialog: ${(await page.locator(selectors.dialog).first().innerText()).replace(/\s+/g, ' ')}`);
      await page.screenshot({ path: path.join(screenshotsDir, 'restart-with-tracking.png') });
      await restart.first().click();
      const newRow = await driver.waitForTreeRow('Processes', `Terminal: ${RESTARTED_TERMINAL}`, 'the restarted program gets its own terminal in the tree');
      await driver.waitFor(async () => {
        const rows = page.locator(selectors.treeRows('Processes')).filter({ hasText: PROGRAM_FILE });
        const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
        return !labels.some((l) => l.includes(`PID ${oldPid} `));
      }, `the old process (PID ${oldPid}) leaves the tree`);
      const newPid = await waitForAgentRow(driver, 'the restarted program\'s agent reports');
      console.log(`[e2e] restarted PID ${oldPid} as PID ${newPid}: ${(await newRow.getAttribute('aria-label'))?.split('\n')[0]}`);
      // Same machine: the restarted process's own environment shows what it was started with.
      const environ = readFileSync(`/proc/${newPid}/environ`, 'utf8').split('\0');
      for (const expected of ['PV_E2E_MARK=kept', 'PROCESS_VITALS_AGENT_TRACK_HANDLES=1']) {
        if (!environ.includes(expected)) throw new Error(`the restarted process lacks ${expected}`);
      }
    },
  },
  {
    title: 'answers "Why Is It Still Running?" with creation-line links that open the source at the line',
    async run(state) {
      const driver = required(state.driver, 'workbench');
      const page = driver.page;
      await driver.runCommand('View: Close All Editors');
      await driver.runCommandAndPickMatching('Process Vitals: Why Is It Still Running?', PROGRAM_FILE);

      const link = `a[href*="${PROGRAM_FILE}"]:text-is("${PROGRAM_FILE}:${INTERVAL_LINE}")`;
      const preview = await frameWith(driver, link, `the answer links the interval's creation line ${PROGRAM_FILE}:${INTERVAL_LINE}`);
      const answer = (await preview.locator('body').innerText()).trim();
      console.log(`[e2e] Why Is It Still Running? answered:\n${answer.replace(/^/gm, '        ')}`);
      if (!/Timeout/.test(answer) || !/TCPSERVERWRAP|TCPServerWrap|Server/i.test(answer)) throw new Error('the answer names neither the interval nor the server');
      const href = (await preview.locator(link).first().getAttribute('href')) ?? '';
      const [, line, column] = /#L(\d+),(\d+)$/.exec(href) ?? [];
      if (Number(line) !== INTERVAL_LINE) throw new Error(`the link points at ${href}`);
      await page.screenshot({ path: path.join(screenshotsDir, 'why-still-running.png') });

      await preview.locator(link).first().click();
      await driver.waitVisible(page.locator(selectors.activeEditorTab).filter({ hasText: PROGRAM_FILE }), `${PROGRAM_FILE} opens in an editor`);
      const position = page.locator(selectors.cursorPosition);
      await driver.waitFor(async () => new RegExp(`Ln ${line}, Col ${column}\\b`).test(await position.innerText().catch(() => '')), `the cursor is at Ln ${line}, Col ${column}`);
      console.log(`[e2e] link ${href.replace(/^.*\//, '')} opened ${PROGRAM_FILE} at "${(await position.innerText()).trim()}"`);
    },
  },
  {
    title: 'opens a heap snapshot and a CPU profile of an agent process in VS Code\'s own viewers',
    async run(state) {
      const driver = required(state.driver, 'workbench');
      await driver.runCommand('View: Close All Editors');
      await driver.runCommandAndPickMatching('Process Vitals: Take Heap Snapshot', PROGRAM_FILE);
      await expectProfileViewer(driver, /\.heapsnapshot/, 'Retained Size', 'heap-snapshot-viewer');
      await driver.runCommand('View: Close All Editors');
      await driver.runCommandAndPickMatching('Process Vitals: Take CPU Profile', PROGRAM_FILE);
      await expectProfileViewer(driver, /\.cpuprofile/, 'Self Time', 'cpu-profile-viewer');
      await driver.runCommand('View: Close All Editors');
    },
  },
];
