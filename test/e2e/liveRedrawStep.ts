/**
 * The dashboard's live redraws (src/webview/LiveRedraw.ts) skip chart.update() and move chart.js's
 * scales and points themselves. This step checks they draw what chart.js draws: on the built page
 * outside VS Code (test/harness/StandaloneDashboard.ts), with a synthetic session of ten processes,
 * each chart's canvas after live ticks is compared pixel for pixel with the same chart right after
 * a full chart.update() of the same data, forced by switching a series off and on again (a change
 * of structure). Checked with all processes shown and with one process focused (several series
 * per chart, dashed lines). One process leaks fast, so axis labels change and some ticks take the
 * full path in between. Differing canvases are saved to test-results/screenshots.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { deliver, serveDashboard, SyntheticSession, type PageGlobals } from '../harness/StandaloneDashboard';
import { repoRoot, type VsCodeServerScript } from '../harness/vscodeServerScript';
import { required, screenshotsDir, type E2EStep, type E2EStepState } from './e2eStep';

/** Live ticks before each comparison: past several x-axis steps, so tick labels come and go. */
const LIVE_TICKS = 40;
const NONCE = 'bGl2ZS1yZWRyYXctY2hlY2s=';

/** Every chart's canvas as PNG data, by chart id. */
async function canvases(page: Page): Promise<Map<string, string>> {
  const entries = await page.evaluate(() => {
    const { document } = globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ closest(s: string): { dataset: { chart?: string } } | null; toDataURL(type: string): string }> } };
    return Array.from(document.querySelectorAll('.pv-chart canvas'), (canvas) => [canvas.closest('.pv-chart')?.dataset.chart ?? '?', canvas.toDataURL('image/png')] as [string, string]);
  });
  return new Map(entries);
}

async function redraws(page: Page): Promise<{ live: number; full: number }> {
  return page.evaluate(() => (globalThis as unknown as PageGlobals).__redraws ?? { live: 0, full: 0 });
}

/** Waits for two animation frames: the dashboard redraws in the next one. */
async function frames(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const w = globalThis as unknown as PageGlobals;
    for (let i = 0; i < 2; i++) await new Promise<void>((r) => w.requestAnimationFrame(() => r()));
  });
}

/** Live ticks, then the canvases of the last (live) redraw against those of a forced full update. */
async function compareLiveWithFull(page: Page, session: SyntheticSession, label: string): Promise<string[]> {
  const start = await redraws(page);
  for (let i = 0; i < LIVE_TICKS; i++) await deliver(page, session.tick());
  const before = await redraws(page);
  // The leaking process moves the y axes' labels: some ticks must have needed chart.js's layout.
  if (before.full === start.full) throw new Error(`${label}: no tick changed an axis's labels enough for a full update; the check would not see a layout mistake`);
  await deliver(page, session.tick());
  const afterTick = await redraws(page);
  const live = await canvases(page);
  if (afterTick.live - before.live !== live.size || afterTick.full !== before.full) {
    throw new Error(`${label}: the last tick was not redrawn live by every chart (${afterTick.live - before.live} live, ${afterTick.full - before.full} full redraws for ${live.size} charts)`);
  }
  // The same data again through chart.update(): a series off and on is a change of structure.
  const toggle = page.locator('.pv-toggles vscode-checkbox').first();
  await toggle.click();
  await frames(page);
  await toggle.click();
  await frames(page);
  const afterToggle = await redraws(page);
  if (afterToggle.full - afterTick.full < live.size) throw new Error(`${label}: switching a series off and on did not update every chart (${afterToggle.full - afterTick.full} full updates)`);
  const full = await canvases(page);
  const differing: string[] = [];
  for (const [chart, image] of live) {
    if (full.get(chart) === image) continue;
    differing.push(chart);
    for (const [kind, data] of [['live', image], ['full', full.get(chart) ?? '']] as const) {
      writeFileSync(path.join(screenshotsDir, `live-redraw-${label}-${chart}-${kind}.png`), Buffer.from(data.replace(/^data:image\/png;base64,/, ''), 'base64'));
    }
  }
  return differing.map((chart) => `${label}: ${chart}`);
}

/** The step, for runE2E.ts; it needs only Chromium from the VS Code server script. */
export const liveRedrawStep: E2EStep<E2EStepState & { vs?: VsCodeServerScript }> = {
  title: "the dashboard's live redraws draw what full chart.js updates draw (built page, synthetic session)",
  async run(state) {
    const vs = required(state.vs, 'the VS Code server script');
    const { server, origin } = await serveDashboard(NONCE, path.join(repoRoot, 'dist', 'webview'));
    const browser = await chromium.launch({ executablePath: vs.chromiumPath, args: [...vs.chromiumArgs], headless: true });
    try {
      // Tall enough for every chart to be on screen (charts scrolled away wait to redraw).
      const page = await browser.newPage({ viewport: { width: 1400, height: 3000 }, deviceScaleFactor: 1 });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(origin);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__posted.some((m) => m.type === 'ready'));
      // 10 processes, 15 minutes of history; the first leaks 4 MB/s once live ticks start.
      const session = new SyntheticSession(10, 15 * 60, 4e6);
      await deliver(page, session.hydration);
      const differing = await compareLiveWithFull(page, session, 'all');
      // The leaking process alone: every series of a chart, each its own colour and dash.
      await page.locator(`.pv-row[data-key="${session.processes[0]!.key}"]`).click();
      await frames(page);
      differing.push(...(await compareLiveWithFull(page, session, 'focused')));
      if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
      if (differing.length) throw new Error(`live and full redraws differ for ${differing.join(', ')} (pictures in ${path.relative(repoRoot, screenshotsDir)}/live-redraw-*)`);
      console.log(`[e2e] live and full redraws match pixel for pixel (${(await redraws(page)).live} live redraws)`);
    } finally {
      await browser.close();
      server.close();
    }
  },
};
