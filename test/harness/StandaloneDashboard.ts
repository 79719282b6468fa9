/**
 * The dashboard's webview page outside VS Code, for the bench and the e2e tier: the built page
 * (dist/webview) served by a small local server with the real Content-Security-Policy, a stub of
 * `acquireVsCodeApi`, and a dark theme's variables; and a synthetic session of Node processes whose
 * hydration and live ticks are built by the host's own code (dashboardData.ts).
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { SampleHistory } from '../../src/monitor/series/SampleHistory';
import { buildHydration, TickDeltaBuilder, type DashboardProcess } from '../../src/extension/dashboard/dashboardData';
import { dashboardHtml } from '../../src/extension/dashboard/dashboardHtml';
import type { ChartMarker, HydrateMessage, TickMessage } from '../../src/webview/protocol';

/** The series every synthetic process has (the dashboard's six charts). */
export const SYNTHETIC_SERIES = ['cpuPercent', 'rssBytes', 'heapUsedBytes', 'heapTotalBytes', 'heapAfterGcBytes', 'externalBytes', 'eventLoopDelayP99Ms', 'activeHandles'] as const;

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

function syntheticProcesses(start: number, count: number, historySeconds: number): SyntheticProcess[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `${1000 + i}@${start}`,
    info: { pid: 1000 + i, ppid: 1, startTime: start, name: `node`, command: `node server-${i}.js` },
    history: new SampleHistory<string>([...SYNTHETIC_SERIES], { recentCapacity: historySeconds, archiveStepMs: 30_000, archiveCapacity: 2880 }),
    agent: true,
  }));
}

/**
 * What a busy session leaves on the charts: a major GC per process every 45 s, two alerts and a
 * leak onset (the host bounds them; this is well below its bounds and well above a quiet session).
 */
function syntheticMarkers(processes: readonly SyntheticProcess[], start: number, historySeconds: number): ChartMarker[] {
  const markers: ChartMarker[] = [];
  processes.forEach((p, i) => {
    for (let t = start + 5_000 + i * 3_000; t < start + historySeconds * 1000; t += 45_000) {
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

/** Appends one second's samples; `leakedBytes` is added to the first process's heap and RSS. */
function appendSample(processes: readonly SyntheticProcess[], time: number, next: () => number, leakedBytes = 0): void {
  processes.forEach((p, i) => {
    const t = (time / 1000) % 600;
    const leaked = i === 0 ? leakedBytes : 0;
    p.history.append(time, {
      cpuPercent: 5 + 20 * next(),
      rssBytes: 80e6 + i * 5e6 + t * 1e4 + 1e6 * next() + leaked,
      heapUsedBytes: 30e6 + 10e6 * next() + leaked,
      heapTotalBytes: 50e6,
      heapAfterGcBytes: 25e6 + t * 2e3,
      externalBytes: 2e6 + 1e5 * next(),
      eventLoopDelayP99Ms: 10 + 5 * next(),
      activeHandles: 12 + Math.floor(3 * next()),
    });
  });
}

/**
 * A session of `processes` synthetic Node processes with `historySeconds` of 1 Hz history, a busy
 * session's markers, and live ticks one second apart, all deterministic (the same every run). With
 * `liveLeakBytesPerSecond`, the first process starts leaking at the first live tick, so the heap and
 * memory charts' y axes keep changing their labels.
 */
export class SyntheticSession {
  readonly processes: SyntheticProcess[];
  readonly hydration: HydrateMessage;
  private readonly next = random(42);
  private readonly deltas = new TickDeltaBuilder();
  now: number;
  private liveTicks = 0;

  constructor(
    processes: number,
    historySeconds: number,
    private readonly liveLeakBytesPerSecond = 0,
  ) {
    const start = Date.now() - historySeconds * 1000;
    this.processes = syntheticProcesses(start, processes, historySeconds);
    for (let s = 0; s < historySeconds; s++) appendSample(this.processes, start + s * 1000, this.next);
    this.now = start + (historySeconds - 1) * 1000;
    this.hydration = buildHydration({
      processes: this.processes,
      originOf: originOf,
      state: { range: '15m', focusKey: null, paused: false, hiddenSeries: [] },
      now: this.now,
      intervalMs: 1000,
      sessionStart: start,
      markers: syntheticMarkers(this.processes, start, historySeconds),
      system: null,
      features: { alerts: false, leakVerdicts: false, handleInventory: false },
    });
    this.deltas.reset(this.hydration);
  }

  /** The next second's samples, as the host's tick message. */
  tick(): TickMessage {
    this.now += 1000;
    this.liveTicks++;
    appendSample(this.processes, this.now, this.next, this.liveTicks * this.liveLeakBytesPerSecond);
    return this.deltas.build(this.now, this.processes, originOf);
  }
}

function originOf(key: string): string {
  return `Terminal: bench ${key.slice(0, 4)}`;
}

/** Serves the page built in `webviewDir` (a dashboard.js/.css pair) with the stub and the theme. */
export function serveDashboard(nonce: string, webviewDir: string): Promise<{ server: Server; origin: string }> {
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
new PerformanceObserver((list) => { for (const e of list.getEntries()) { window.__measures.push([e.name, e.duration]); if (e.detail) window.__redraws = e.detail; } }).observe({ entryTypes: ['measure'] });
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

/** The page's globals the harness stub defines (evaluated in the page; the harness has no DOM types). */
export interface PageGlobals {
  __posted: { type: string }[];
  __measures: [string, number][];
  __redraws?: { live: number; full: number };
  postMessage(message: unknown, target: string): void;
  requestAnimationFrame(callback: () => void): number;
  document: { querySelectorAll(selector: string): { length: number }; body: { dataset: Record<string, string | undefined> } };
}

/** Posts a message to the page and resolves with the page's measures for it once a frame has drawn. */
export async function deliver(page: Page, message: unknown): Promise<{ receive: number; render: number }> {
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
