/**
 * End-to-end steps of the dashboard (issue 7), run by runE2E.ts after the tree and status bar steps:
 * a leaking and a healthy program run in a terminal, the dashboard opens from the command palette,
 * its charts fill with live points and its table lists both programs, no Content-Security-Policy
 * violation is reported (by the page, by the extension's log, or by Chromium's console), the handle
 * inventory of the leaking program comes from its real agent, the charts mark its major GCs (and
 * its leak onset and alert once the detector found them), and the dashboard is photographed in a
 * light, a dark and a high-contrast theme.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { repoRoot } from '../harness/vscodeServerScript';
import { required, screenshotsDir, type E2EStep, type E2EStepState } from './e2eStep';
import type { WorkbenchDriver } from './WorkbenchDriver';
const browserLog = path.join(repoRoot, 'test-results', 'logs', 'e2e-browser.log');
/**
 * Both demo programs in one terminal: each is a child of the terminal's shell. The leaking one's
 * agent tracks handles from the start, so its inventory has creation stacks to open.
 */
const PROGRAMS = 'PROCESS_VITALS_AGENT_TRACK_HANDLES=1 node leaky-server.js & node healthy-server.js';
/** Themes by id and by the label the Color Theme picker shows for them in VS Code 1.100. */
const THEMES: readonly { name: string; id: string; label: string; bodyClass: string }[] = [
  { name: 'light', id: 'Default Light Modern', label: 'Light Modern', bodyClass: 'vscode-light' },
  { name: 'dark', id: 'Default Dark Modern', label: 'Dark Modern', bodyClass: 'vscode-dark' },
  { name: 'high-contrast', id: 'Default High Contrast', label: 'Dark High Contrast', bodyClass: 'vscode-high-contrast' },
];

/** The dashboard page inside VS Code's webview frames (outer host frame, then the content frame). */
function dashboardFrame(state: E2EStepState): FrameLocator {
  return required(state.driver, 'workbench').page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

/** The browser console lines logged so far. */
function consoleLines(): string[] {
  return existsSync(browserLog) ? readFileSync(browserLog, 'utf8').split('\n') : [];
}

/** Files below a folder whose name matches, depth-first (small trees: VS Code's log folder). */
function findFiles(dir: string, pattern: RegExp, found: string[] = []): string[] {
  if (!existsSync(dir)) return found;
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(file).isDirectory();
    } catch {
      continue; // a dangling link (Chromium's profile has some) or a file that just went away
    }
    if (isDirectory) findFiles(file, pattern, found);
    else if (pattern.test(name)) found.push(file);
  }
  return found;
}

/**
 * Types a command line into a new terminal. An earlier step has a terminal already: its xterm stays
 * in the DOM, hidden, so the new one is found as the active terminal wrapper.
 */
async function runInAnotherTerminal(driver: WorkbenchDriver, commandLine: string): Promise<void> {
  await driver.runCommand('Terminal: Create New Terminal');
  const rows = await driver.waitVisible(driver.page.locator('.terminal-wrapper.active .xterm-rows'), 'the new terminal renders');
  await driver.waitFor(async () => /[$#>]\s*$/m.test(await rows.innerText()), 'the new shell prompt appears');
  await driver.page.locator('.terminal-wrapper.active .xterm-helper-textarea').first().focus();
  await driver.page.keyboard.type(commandLine);
  await driver.page.keyboard.press('Enter');
}

let consoleLinesBefore = 0;

/** The dashboard's end-to-end steps. */
export const dashboardSteps: E2EStep[] = [
  {
    title: 'opens the dashboard while a leaking and a healthy program run, and fills it with live data',
    async run(state) {
      const driver = required(state.driver, 'workbench');
      const scratch = required(state.scratch, 'scratch folder');
      const workspace = path.join(scratch.root, 'workspace');
      for (const program of ['leaky-server.js', 'healthy-server.js']) copyFileSync(path.join(repoRoot, 'demo', program), path.join(workspace, program));
      consoleLinesBefore = consoleLines().length;
      await runInAnotherTerminal(driver, PROGRAMS);
      await driver.runCommand('Process Vitals: Open Dashboard');
      const frame = dashboardFrame(state);
      await driver.waitVisible(frame.locator('.pv-toolbar'), 'the dashboard page renders');
      const rows = frame.locator('vscode-table-row.pv-row');
      await driver.waitFor(async () => {
        const texts = await rows.allInnerTexts();
        return texts.some((t) => t.includes('leaky-server.js')) && texts.some((t) => t.includes('healthy-server.js'));
      }, 'the table lists leaky-server.js and healthy-server.js');
      const points = async (chart: string) => Number((await frame.locator(`.pv-chart[data-chart="${chart}"]`).getAttribute('data-points')) ?? 0);
      // Live ticks: the charts gain points while the dashboard is open.
      const before = await points('rss');
      await driver.waitFor(async () => (await points('cpu')) > 0 && (await points('rss')) > Math.max(before, 4), 'the CPU and memory charts gain live points');
      await driver.waitFor(async () => !(await frame.locator('.pv-system-value').first().innerText()).includes('sampling'), 'system stats arrive');
      const texts = await rows.allInnerTexts();
      console.log(`[e2e] dashboard rows: ${texts.map((t) => t.replace(/\s+/g, ' ').trim()).join(' | ')}`);
      console.log(`[e2e] chart points: cpu ${await points('cpu')}, rss ${await points('rss')}`);
    },
  },
  {
    title: 'selecting a table row focuses the charts on that process',
    async run(state) {
      const driver = required(state.driver, 'workbench');
      const frame = dashboardFrame(state);
      const row = frame.locator('vscode-table-row.pv-row', { hasText: 'leaky-server.js' }).first();
      await row.click();
      await driver.waitFor(async () => (await row.getAttribute('aria-current')) === 'true', 'the row is marked as the current one');
      await driver.waitFor(async () => /PID \d+/.test(await frame.locator('.pv-focus').innerText()), 'the toolbar names the focused process');
      // Back to all processes for the screenshots.
      await frame.locator('vscode-button', { hasText: 'All Processes' }).click();
      await driver.waitFor(async () => (await frame.locator('.pv-focus').innerText()) === 'All processes', 'the dashboard shows all processes again');
    },
  },
  {
    title: "inspects the leaking program's handles and timers through its agent",
    async run(state) {
      const driver = required(state.driver, 'workbench');
      const frame = dashboardFrame(state);
      await frame.locator('vscode-table-row.pv-row', { hasText: 'leaky-server.js' }).first().click();
      const panel = frame.locator('.pv-panel[aria-labelledby="pv-handles-heading"]');
      const inspect = panel.locator('vscode-button.pv-inspect-handles');
      await driver.waitVisible(inspect, 'the inventory panel offers Inspect Handles (the program has an agent)');
      await inspect.click();
      const inventory = await driver.waitVisible(panel.locator('.pv-inventory'), 'the agent answers with an inventory');
      const text = await inventory.innerText();
      // An HTTP server that calls itself every 100 ms holds at least its listening socket and a timer.
      if (!/TCPServerWrap/.test(text)) throw new Error(`the inventory does not list the server socket:\n${text}`);
      console.log(`[e2e] handle inventory: ${text.replace(/\s+/g, ' ').slice(0, 400)}`);
      await panel.scrollIntoViewIfNeeded();
      // The whole window: element screenshots inside the webview's nested frames come out offset.
      const file = path.join(screenshotsDir, 'dashboard-handles.png');
      await driver.page.screenshot({ path: file });
      console.log(`[e2e] screenshot ${path.relative(repoRoot, file)}`);
      // Tracked from the start: the server's creation frame is a link; Enter on it opens the source at its line.
      const link = inventory.locator('button.pv-link', { hasText: 'leaky-server.js' }).first();
      await driver.waitVisible(link, 'a creation frame in leaky-server.js is a link');
      const line = Number(/leaky-server\.js:(\d+)/.exec(await link.innerText())?.[1]);
      await link.focus();
      await link.press('Enter');
      const tab = driver.page.locator('.tabs-container .tab', { hasText: 'leaky-server.js' });
      await driver.waitVisible(tab, 'leaky-server.js opens in an editor');
      await driver.waitFor(async () => new RegExp(`Ln ${line},`).test(await driver.page.locator('.statusbar').innerText()), `the cursor is on line ${line}`);
      await driver.runCommand('View: Close Editor');
      await frame.locator('vscode-button', { hasText: 'All Processes' }).click();
    },
  },
  {
    title: 'draws markers (major GCs, and leak onsets and alerts once the leak is found) on the charts',
    async run(state) {
      const driver = required(state.driver, 'workbench');
      const frame = dashboardFrame(state);
      const memoryChart = frame.locator('.pv-chart[data-chart="rss"]');
      // Charts off screen are not redrawn (nor their key refreshed): show this one.
      await memoryChart.scrollIntoViewIfNeeded();
      const key = memoryChart.locator('.pv-marker-key');
      // The leaking program allocates ~65 KB/s: V8 runs major GCs within a minute or so.
      await driver.waitFor(async () => /\d+ major GC/.test(await key.innerText().catch(() => '')), 'the memory chart marks the major GCs the agents report');
      await driver.waitFor(async () => /Markers: .*major GC/.test((await memoryChart.locator('canvas').getAttribute('aria-label')) ?? ''), "the chart's accessible summary names the markers");
      // When the leak detector or an alert already spoke, their markers must be there too.
      const verdicts = await frame.locator('.pv-verdict').count();
      const alerts = await frame.locator('.pv-alert').count();
      const keyText = await key.innerText();
      if (verdicts > 0 && !/leak onset/.test(keyText)) throw new Error(`a leak verdict is shown but the chart has no leak-onset marker (key: ${keyText})`);
      if (alerts > 0 && !/alert/.test(keyText)) throw new Error(`an alert is shown but the chart has no alert marker (key: ${keyText})`);
      console.log(`[e2e] memory chart markers: ${keyText.replace(/\s+/g, ' ')} (${verdicts} verdict(s), ${alerts} alert(s) shown)`);
    },
  },
  {
    title: 'logs no Content-Security-Policy violation',
    async run(state) {
      const frame = dashboardFrame(state);
      const pageCount = await frame.locator('body').getAttribute('data-csp-violations');
      await required(state.browser, 'browser').flushConsole();
      const consoleViolations = consoleLines()
        .slice(consoleLinesBefore)
        .filter((line) => /Content Security Policy|Content-Security-Policy/i.test(line));
      const logViolations = findFiles(path.join(required(state.scratch, 'scratch folder').root, 'user'), /Process Vitals\.log$/).flatMap((file) =>
        readFileSync(file, 'utf8').split('\n').filter((line) => line.includes('Content-Security-Policy violation')),
      );
      const problems = [
        ...(pageCount ? [`the page counted ${pageCount} violation(s)`] : []),
        ...consoleViolations.map((l) => `console: ${l}`),
        ...logViolations.map((l) => `extension log: ${l}`),
      ];
      if (problems.length) throw new Error(problems.join('\n'));
    },
  },
  {
    title: 'renders in a light, a dark and a high-contrast theme (screenshots)',
    async run(state) {
      const driver = required(state.driver, 'workbench');
      const frame = dashboardFrame(state);
      for (const theme of THEMES) {
        await driver.runCommandAndPick('Preferences: Color Theme', theme.label);
        await driver.waitFor(async () => ((await frame.locator('body').getAttribute('class')) ?? '').split(/\s+/).includes(theme.bodyClass), `the dashboard switches to ${theme.id}`);
        // Two ticks: the charts redraw with the new colours and fresh points.
        await driver.page.waitForTimeout(2500);
        await driver.page.mouse.move(0, 0);
        // Selecting a row scrolled the page: show the charts from the top.
        await frame.locator('.pv-system').scrollIntoViewIfNeeded();
        const file = path.join(screenshotsDir, `dashboard-${theme.name}.png`);
        await driver.page.screenshot({ path: file });
        console.log(`[e2e] screenshot ${path.relative(repoRoot, file)}`);
      }
    },
  },
];
