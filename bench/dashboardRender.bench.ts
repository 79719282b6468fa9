/**
 * The dashboard under load, in headless Chromium: the built page (dist/webview) served by a small
 * local server with the real Content-Security-Policy and a stub of `acquireVsCodeApi`, hydrated by
 * the host's own code with 10 processes x 8 series x 15 minutes of 1 Hz history and ~200 chart
 * markers, then fed live ticks built by the host's TickDeltaBuilder. Prints the page's time per update (validate + apply +
 * redraw, from its own performance measures) at p50/p95, and the JSON size of one tick's message.
 * Measured twice: a 1400x900 window (charts scrolled out of view wait) and a window tall enough
 * for every chart to redraw on every tick.
 *
 *   node scripts/build.mjs && node out/bench/dashboardRender.bench.js
 *
 * PV_BENCH_BASELINE_DIR=<folder with a dashboard.js/.css built from another commit> also measures
 * that page in the same run, right after this one, and prints the ratio (the machine is shared:
 * absolute figures from different runs do not compare).
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Page } from 'playwright-core';
import { SampleHistory } from '../src/monitor/series/SampleHistory';
import { buildHydration, TickDeltaBuilder, type DashboardProcess } from '../src/extension/dashboard/dashboardData';
import { dashboardHtml } from '../src/extension/dashboard/dashboardHtml';
import type { ChartMarker } from '../src/webview/protocol';
import { runWhenStartedDirectly, type BenchResult } from './benchResult';

const PROCESSES = 10;
const SERIES = ['cpuPercent', 'rssBytes', 'heapUsedBytes', 'heapTotalBytes', 'heapAfterGcBytes', 'externalBytes', 'eventLoopDelayP99Ms', 'activeHandles'] as const;
const HISTORY_SECONDS = 15 * 60;
const WARM_UP_UPDATES = 20;
const UPDATES = 150;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const repoRoot = path.resolve(__dirname, '..', '..');
const builtWebviewDir = path.join(repoRoot, 'dist', 'webview');

/** Variables VS Code injects into a webview (a subset of Default Dark Modern), so colours resolve. */
const THEME_CSS = `html {
  --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px; --vscode-editor-font-family: monospace;
  --vscode-foreground: #cccccc; --vscode-descriptionForeground: #9d9d9d; --vscode-editor-background: #1f1f1f;
  --vscode-editorWidget-background: #202020; --vscode-editorWidget-border: #313131; --vscode-panel-border: #2b2b2b;
  --vscode-focusBorder: #0078d4; --vscode-charts-blue: #3794ff; --vscode-charts-orange: #d18616; --vscode-charts-green: #89d185;
  --vscode-charts-purple: #b180d7; --vscode-charts-yellow: #cca700; --vscode-charts-red: #f14c4c; --vscode-terminal-ansiCyan: #11a8cd;
  --vscode-terminal-ansiMagenta: #bc3fbc; --vscode-terminal-ansiBrightBlue: #3b8eea; --vscode-terminal-ansiBrightGreen: #23d18b;
  --vscode-list-activeSelectionBackground: #04395e; --vscode-list-hoverBackground: #2a2d2e;
}`;

/** A deterministic pseudo-random sequence (the same load every run). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

interface SyntheticProcess extends DashboardProcess {
  readonly history: SampleHistory<string>;
}

function syntheticProcesses(start: number): SyntheticProcess[] {
  return Array.from({ length: PROCESSES }, (_, i) => ({
    key: `${1000 + i}@${start}`,
    info: { pid: 1000 + i, ppid: 1, startTime: start, name: `node`, command: `node server-${i}.js` },
    history: new SampleHistory<string>([...SERIES], { recentCapacity: HISTORY_SECONDS, archiveStepMs: 30_000, archiveCapacity: 2880 }),
    agent: true,
  }));
}

/**
 * What a busy session leaves on the charts: a major GC per process every 45 s, two alerts and a
 * leak onset (the host bounds them; this is well below its bounds and well above a quiet session).
 */
function syntheticMarkers(processes: readonly SyntheticProcess[], start: number): ChartMarker[] {
  const markers: ChartMarker[] = [];
  processes.forEach((p, i) => {
    for (let t = start + 5_000 + i * 3_000; t < start + HISTORY_SECONDS * 1000; t += 45_000) {
      markers.push({ id: `gc:${p.key}:${t}`, time: t, kind: 'majorGc', processKey: p.key, label: 'Major GC, 3 ms paused in major GCs so far' });
    }
  });
  markers.push(
    { id: 'alert:1', time: start + 300_000, kind: 'alert', processKey: processes[0]!.key, label: 'Warning alert heap: node (1000) heap above 512 MB' },
    { id: 'alert:2', time: start + 600_000, kind: 'alert', processKey: processes[3]!.key, label: 'Warning alert cpu: node (1003) CPU above 90%' },
    { id: `leak:${processes[0]!.key}:heap`, time: start + 120_000, kind: 'leakOnset', processKey: processes[0]!.key, label: 'heap leak starts (about): 2.00 KB/s, confidence 93%' },
  );
  return markers.sort((a, b) => a.time - b.time);
}

function appendSample(processes: readonly SyntheticProcess[], time: number, next: () => number): void {
  processes.forEach((p, i) => {
    const t = (time / 1000) % 600;
    p.history.append(time, {
      cpuPercent: 5 + 20 * next(),
      rssBytes: 80e6 + i * 5e6 + t * 1e4 + 1e6 * next(),
      heapUsedBytes: 30e6 + 10e6 * next(),
      heapTotalBytes: 50e6,
      heapAfterGcBytes: 25e6 + t * 2e3,
      externalBytes: 2e6 + 1e5 * next(),
      eventLoopDelayP99Ms: 10 + 5 * next(),
      activeHandles: 12 + Math.floor(3 * next()),
    });
  });
}

function serve(nonce: string, webviewDir: string): Promise<{ server: Server; origin: string }> {
  return new Promise((resolve) => {
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (url.pathname === '/') {
        const html = dashboardHtml({ cspSource: origin, scriptUri: `${origin}/dashboard.js`, styleUri: `${origin}/dashboard.css`, codiconStyleUri: `${origin}/codicon.css` }, nonce)
          .replace('<body>', '<body class="vscode-dark">')
          .replace('<link rel="stylesheet" href', `<link rel="stylesheet" href="${origin}/theme.css">\n<link rel="stylesheet" href`)
          // The stub of the VS Code webview API, allowed by the same nonce as the page's script.
          .replace(
            '<script nonce',
            `<script nonce="${nonce}">
window.__posted = []; window.__measures = []; window.__state = undefined;
window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => window.__state, setState: (s) => { window.__state = s; } });
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__measures.push([e.name, e.duration]); }).observe({ entryTypes: ['measure'] });
</script>
<script nonce`,
          );
        response.writeHead(200, { 'content-type': 'text/html' }).end(html);
        return;
      }
      if (url.pathname === '/theme.css') {
        response.writeHead(200, { 'content-type': 'text/css' }).end(THEME_CSS);
        return;
      }
      const file = path.join(webviewDir, path.basename(url.pathname));
      try {
        const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : file.endsWith('.ttf') ? 'font/ttf' : 'application/octet-stream';
        const body = readFileSync(file);
        response.writeHead(200, { 'content-type': type }).end(body);
      } catch {
        response.writeHead(404).end();
      }
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** The page's globals the bench reads (the harness stub defines them; the bench has no DOM types). */
interface PageGlobals {
  __posted: { type: string }[];
  __measures: [string, number][];
  postMessage(message: unknown, target: string): void;
  requestAnimationFrame(callback: () => void): number;
  document: { querySelectorAll(selector: string): { length: number }; body: { dataset: Record<string, string | undefined> } };
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

/** Posts a message to the page and resolves with the page's measures for it once a frame has drawn. */
async function deliver(page: Page, message: unknown): Promise<{ receive: number; render: number }> {
  return page.evaluate(async (m) => {
    const w = globalThis as unknown as PageGlobals;
    w.__measures.length = 0;
    w.postMessage(m, '*');
    // The message event, then the frame that redraws; two frames leave room for both.
    for (let i = 0; i < 2; i++) await new Promise<void>((r) => w.requestAnimationFrame(() => r()));
    const sum = (name: string) => w.__measures.filter(([n]) => n === name).reduce((s, [, d]) => s + d, 0);
    return { receive: sum('processVitals.receive'), render: sum('processVitals.render') };
  }, message);
}

interface Scenario {
  readonly name: string;
  readonly viewport: { width: number; height: number };
}

async function runScenario(scenario: Scenario, origin: string): Promise<{ p50: number; p95: number; max: number; tickBytes: number[]; hydrateBytes: number; markers: number; chartsDrawn: number; violations: number }> {
  const browser = await chromium.launch({ executablePath: process.env.PV_CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage({ viewport: scenario.viewport });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(origin);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__posted.some((m) => m.type === 'ready'));

    const start = Date.now() - HISTORY_SECONDS * 1000;
    const next = random(42);
    const processes = syntheticProcesses(start);
    for (let s = 0; s < HISTORY_SECONDS; s++) appendSample(processes, start + s * 1000, next);
    let now = start + (HISTORY_SECONDS - 1) * 1000;
    const hydration = buildHydration({
      processes,
      originOf: (key) => `Terminal: bench ${key.slice(0, 4)}`,
      state: { range: '15m', focusKey: null, paused: false, hiddenSeries: [] },
      now,
      intervalMs: 1000,
      sessionStart: start,
      markers: syntheticMarkers(processes, start),
      system: null,
      features: { alerts: false, leakVerdicts: false, handleInventory: false },
    });
    const deltas = new TickDeltaBuilder();
    deltas.reset(hydration);
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
      now += 1000;
      appendSample(processes, now, next);
      const tick = deltas.build(now, processes, (key) => `Terminal: bench ${key.slice(0, 4)}`);
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
      return { drawn: document.querySelectorAll('.pv-chart[data-points]').length, violations: Number(document.body.dataset.cspViolations ?? 0) };
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
      violations: pageState.violations,
    };
  } finally {
    await browser.close();
  }
}

/** Runs the benchmark. */
export async function run(): Promise<BenchResult> {
  const nonce = 'YmVuY2gtbm9uY2UtMTIzNA==';
  const { server, origin } = await serve(nonce, builtWebviewDir);
  const baselineDir = process.env.PV_BENCH_BASELINE_DIR;
  const baseline = baselineDir ? await serve(nonce, path.resolve(baselineDir)) : undefined;
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
        `load: ${PROCESSES} processes x ${SERIES.length} series x ${HISTORY_SECONDS / 60} min of 1 Hz history, ${windowed.markers} chart markers, range 15 min, ${UPDATES} live updates after ${WARM_UP_UPDATES} warm-up`,
        `update (validate + apply + redraw), 1400x900 window (${windowed.chartsDrawn} charts): p50 ${windowed.p50.toFixed(2)} ms, p95 ${windowed.p95.toFixed(2)} ms, max ${windowed.max.toFixed(2)} ms (target p95 <= 8 ms)`,
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
