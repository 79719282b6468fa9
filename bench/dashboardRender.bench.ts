/**
 * The dashboard under load, in headless Chromium: the built page (dist/webview) served by a small
 * local server with the real Content-Security-Policy and a stub of `acquireVsCodeApi`, hydrated by
 * the host's own code with 10 processes x 8 series x 15 minutes of 1 Hz history and ~200 chart
 * markers, then fed live ticks built by the host's TickDeltaBuilder (test/harness/StandaloneDashboard.ts).
 * Prints the page's time per update (validate + apply + redraw, from its own performance measures)
 * at p50/p95, how many chart redraws were live and how many full chart.js updates (LiveRedraw.ts),
 * and the JSON size of one tick's message.
 * Measured twice: a 1400x900 window (charts scrolled out of view wait) and a window tall enough
 * for every chart to redraw on every tick.
 *
 *   node scripts/build.mjs && node out/bench/dashboardRender.bench.js
 *
 * PV_BENCH_BASELINE_DIR=<folder with a dashboard.js/.css built from another commit> also measures
 * that page in the same run, right after this one, and prints the ratio (the machine is shared:
 * absolute figures from different runs do not compare).
 */
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { deliver, serveDashboard, SYNTHETIC_SERIES, SyntheticSession, type PageGlobals } from '../test/harness/StandaloneDashboard';
import { runWhenStartedDirectly, type BenchResult } from './benchResult';

const PROCESSES = 10;
const HISTORY_SECONDS = 15 * 60;
const WARM_UP_UPDATES = 20;
const UPDATES = 150;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const repoRoot = path.resolve(__dirname, '..', '..');
const builtWebviewDir = path.join(repoRoot, 'dist', 'webview');

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
}

/**
 * Prints the page's hottest functions by self samples and by total samples (self + callees, each
 * sample counted once per function even under recursion): total shows which chart.js phase costs.
 */
function printProfile({ profile }: { profile: CpuProfile }): void {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const nameOf = (id: number) => {
    const f = byNode.get(id)!.callFrame;
    return `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let busy = 0;
  // PV_BENCH_PROFILE=<text>: only samples with a frame whose name contains it ("1" or "all": all).
  const focus = process.env.PV_BENCH_PROFILE && !['1', 'all'].includes(process.env.PV_BENCH_PROFILE) ? process.env.PV_BENCH_PROFILE : undefined;
  const within = (id: number) => {
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) if (nameOf(at).includes(focus!)) return true;
    return false;
  };
  for (const id of profile.samples) {
    const name = nameOf(id);
    if (name.startsWith('(idle)') || name.startsWith('(program)')) continue;
    if (focus && !within(id)) continue;
    busy++;
    self.set(name, (self.get(name) ?? 0) + 1);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const n = nameOf(at);
      if (seen.has(n)) continue;
      seen.add(n);
      total.set(n, (total.get(n) ?? 0) + 1);
    }
  }
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([n, c]) => `${((100 * c) / busy).toFixed(1)}%\t${n}`).join('\n');
  console.log(`busy samples: ${busy}\n-- self --\n${top(self)}\n-- total --\n${top(total)}`);
}

interface Scenario {
  readonly name: string;
  readonly viewport: { width: number; height: number };
}

async function runScenario(scenario: Scenario, origin: string): Promise<{ p50: number; p95: number; max: number; tickBytes: number[]; hydrateBytes: number; markers: number; chartsDrawn: number; violations: number; redraws: string }> {
  const browser = await chromium.launch({ executablePath: process.env.PV_CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage({ viewport: scenario.viewport });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(origin);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__posted.some((m) => m.type === 'ready'));

    const session = new SyntheticSession(PROCESSES, HISTORY_SECONDS);
    const hydration = session.hydration;
    await deliver(page, hydration);

    const updateMs: number[] = [];
    // PV_BENCH_PROFILE=1 prints the page's hottest functions over the measured updates (see printProfile).
    const cdp = process.env.PV_BENCH_PROFILE ? await page.context().newCDPSession(page) : undefined;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
      await cdp.send('Profiler.start');
    }
    const tickBytes: number[] = [];
    for (let u = 0; u < WARM_UP_UPDATES + UPDATES; u++) {
      const tick = session.tick();
      tickBytes.push(Buffer.byteLength(JSON.stringify(tick)));
      const { receive, render } = await deliver(page, tick);
      if (u >= WARM_UP_UPDATES) updateMs.push(receive + render);
      // PV_BENCH_SERIES=1 prints every measured update (total/receive ms), to tell drift from spikes.
      if (process.env.PV_BENCH_SERIES && u >= WARM_UP_UPDATES) process.stdout.write(`${(receive + render).toFixed(1)}/${receive.toFixed(1)} `);
    }
    if (cdp) {
      printProfile((await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile });
    }
    const pageState = await page.evaluate(() => {
      const { document } = globalThis as unknown as PageGlobals;
      const redraws = (globalThis as unknown as PageGlobals).__redraws;
      return {
        drawn: document.querySelectorAll('.pv-chart[data-points]').length,
        violations: Number(document.body.dataset.cspViolations ?? 0),
        // Pages built before live redraws report none.
        redraws: redraws ? `chart redraws since load: ${redraws.live} live, ${redraws.full} full updates` : 'chart redraws: not reported',
      };
    });
    // PV_BENCH_SCREENSHOT=<dir> keeps a picture of the loaded page, to look at the layout, with the
    // pointer on the first chart so its tooltip shows.
    if (process.env.PV_BENCH_SCREENSHOT) {
      const plot = await page.locator('.pv-chart canvas').first().boundingBox();
      if (plot) await page.mouse.move(plot.x + plot.width * 0.6, plot.y + plot.height / 2);
      await page.waitForTimeout(200);
    }
    if (process.env.PV_BENCH_SCREENSHOT) await page.screenshot({ path: path.join(process.env.PV_BENCH_SCREENSHOT, `dashboard-bench-${scenario.name.replace(/\W+/g, '-')}.png`), fullPage: true });
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    return {
      p50: percentile(updateMs, 50),
      p95: percentile(updateMs, 95),
      max: Math.max(...updateMs),
      tickBytes,
      hydrateBytes: Buffer.byteLength(JSON.stringify(hydration)),
      markers: hydration.markers.length,
      chartsDrawn: pageState.drawn,
      redraws: pageState.redraws,
      violations: pageState.violations,
    };
  } finally {
    await browser.close();
  }
}

/** Runs the benchmark. */
export async function run(): Promise<BenchResult> {
  const nonce = 'YmVuY2gtbm9uY2UtMTIzNA==';
  const { server, origin } = await serveDashboard(nonce, builtWebviewDir);
  const baselineDir = process.env.PV_BENCH_BASELINE_DIR;
  const baseline = baselineDir ? await serveDashboard(nonce, path.resolve(baselineDir)) : undefined;
  try {
    const windowScenario = { name: 'window', viewport: { width: 1400, height: 900 } };
    const windowed = await runScenario(windowScenario, origin);
    const baselineWindowed = baseline ? await runScenario({ ...windowScenario, name: 'baseline window' }, baseline.origin) : undefined;
    const allCharts = await runScenario({ name: 'all charts', viewport: { width: 1400, height: 3000 } }, origin);
    const tickBytes = Math.max(...windowed.tickBytes);
    const baselineLines = baselineWindowed
      ? [
          `baseline page (${baselineDir}), 1400x900 window: p50 ${baselineWindowed.p50.toFixed(2)} ms, p95 ${baselineWindowed.p95.toFixed(2)} ms; this page / baseline: p50 x${(windowed.p50 / baselineWindowed.p50).toFixed(2)}, p95 x${(windowed.p95 / baselineWindowed.p95).toFixed(2)}`,
        ]
      : [];
    return {
      name: 'dashboardRender',
      lines: [
        `load: ${PROCESSES} processes x ${SYNTHETIC_SERIES.length} series x ${HISTORY_SECONDS / 60} min of 1 Hz history, ${windowed.markers} chart markers, range 15 min, ${UPDATES} live updates after ${WARM_UP_UPDATES} warm-up`,
        `update (validate + apply + redraw), 1400x900 window (${windowed.chartsDrawn} charts): p50 ${windowed.p50.toFixed(2)} ms, p95 ${windowed.p95.toFixed(2)} ms, max ${windowed.max.toFixed(2)} ms (target p95 <= 8 ms); ${windowed.redraws}`,
        `update, every chart on screen (${allCharts.chartsDrawn} charts): p50 ${allCharts.p50.toFixed(2)} ms, p95 ${allCharts.p95.toFixed(2)} ms, max ${allCharts.max.toFixed(2)} ms`,
        `host message per tick: ${(tickBytes / 1024).toFixed(2)} KB max of JSON (target < 16 KB); hydration ${(windowed.hydrateBytes / 1024).toFixed(0)} KB once per page load`,
        ...baselineLines,
        `CSP violations in the page: ${windowed.violations + allCharts.violations}`,
      ],
      figures: {
        updateP50Ms: Number(windowed.p50.toFixed(3)),
        updateP95Ms: Number(windowed.p95.toFixed(3)),
        updateP95AllChartsMs: Number(allCharts.p95.toFixed(3)),
        tickMessageBytes: tickBytes,
        hydrationBytes: windowed.hydrateBytes,
        cspViolations: windowed.violations + allCharts.violations,
      },
    };
  } finally {
    server.close();
    baseline?.server.close();
  }
}

runWhenStartedDirectly('dashboardRender', run);
