/**
 * Diagnose Leaks' cost, against the bare `v8.writeHeapSnapshot` of the same heap measured in the
 * same run (~50 MB of small objects, ~1M heap objects, the costly kind):
 *   - snapshot + diff: three snapshots through the agent (GC first) plus the worker's parse, index
 *     and diff of all three, run back to back (in a real diagnosis the first two are indexed while
 *     the program is observed, so this overstates it), over three bare snapshots. Target: <= 2x.
 *   - the caller's event loop while the worker parses and diffs: the longest block seen by a 10 ms
 *     interval probe and by monitorEventLoopDelay. Target: never > 50 ms.
 *
 *   node scripts/build.mjs && node out/bench/diagnosis.bench.js
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { AgentServer, type AgentConnectionInfo } from '../src/monitor/agents/AgentServer';
import { nodeOptionsWithAgent } from '../src/monitor/agents/agentNodeOptions';
import { DiagnosisAnalyzer } from '../src/monitor/diagnosis/DiagnosisAnalyzer';
import { runWhenStartedDirectly, type BenchResult } from './benchResult';

const AGENT_BUNDLE = join(__dirname, '../../dist/agent.js');
const WORKER = join(__dirname, '../../dist/diagnosisWorker.js');
const SNAPSHOTS = 3;

/** ~50 MB of small objects (about a million heap objects), plus a slow leak so the diff has something to find. */
const HEAP_PROGRAM = `
'use strict';
class Item { constructor(i) { this.i = i; this.s = 'x' + i; } }
class Leaked { constructor(i) { this.i = i; this.tag = 'leak-' + i; } }
const items = globalThis.items = [];
for (let i = 0; i < 640000; i++) items.push(new Item(i));
const leaked = globalThis.leaked = [];
let n = 0;
setInterval(() => { for (let i = 0; i < 100; i++) leaked.push(new Leaked(n++)); }, 100);
if (process.argv[2] === 'bare') {
  const v8 = require('v8');
  const dir = process.argv[3];
  const times = [];
  for (let k = 0; k < ${SNAPSHOTS}; k++) {
    const started = process.hrtime.bigint();
    v8.writeHeapSnapshot(dir + '/bare-' + k + '.heapsnapshot');
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  process.stdout.write(JSON.stringify({ times, heapUsed: process.memoryUsage().heapUsed }) + '\\n');
  process.exit(0);
}
process.stdout.write('ready\\n');
`;

function startProgram(file: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; firstLine: Promise<string> } {
  const child = spawn(process.execPath, [file, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const firstLine = new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (b: Buffer) => {
      text += b.toString();
      const nl = text.indexOf('\n');
      if (nl >= 0) resolve(text.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`the heap program exited with code ${code}`)));
  });
  firstLine.catch(() => undefined);
  return { child, firstLine };
}

/** Runs the benchmark and returns its figures. */
export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'pv-bench-diagnosis-'));
  const file = join(dir, 'heap.js');
  writeFileSync(file, HEAP_PROGRAM);
  const base = { ...process.env };
  delete base.NODE_OPTIONS;
  const server = await AgentServer.listen();
  const analyzer = new DiagnosisAnalyzer({ workerScript: WORKER });
  let agentChild: ChildProcess | undefined;
  try {
    // 1. Bare: the same heap, v8.writeHeapSnapshot three times, no agent.
    const bare = startProgram(file, ['bare', dir], base);
    const { times: bareTimes, heapUsed } = JSON.parse(await bare.firstLine) as { times: number[]; heapUsed: number };
    const bareMs = bareTimes.reduce((a, b) => a + b, 0);
    rmSync(join(dir, 'bare-0.heapsnapshot'), { force: true });
    rmSync(join(dir, 'bare-1.heapsnapshot'), { force: true });
    rmSync(join(dir, 'bare-2.heapsnapshot'), { force: true });

    // 2. Through the agent, with the analysis in the worker.
    const program = startProgram(file, [], { ...base, ...server.environment(), NODE_OPTIONS: nodeOptionsWithAgent(AGENT_BUNDLE, undefined) });
    agentChild = program.child;
    await program.firstLine;
    const pid = agentChild.pid!;
    await new Promise<AgentConnectionInfo>((resolve) => {
      const existing = server.get(pid);
      if (existing) return resolve(existing);
      const sub = server.onDidConnect((info) => {
        if (info.hello.pid !== pid) return;
        sub.dispose();
        resolve(info);
      });
    });
    const snapshotMs: number[] = [];
    const paths: string[] = [];
    for (const name of ['baseline', 'target', 'final']) {
      const started = performance.now();
      const written = await server.takeHeapSnapshot(pid, join(dir, `${name}.heapsnapshot`));
      snapshotMs.push(performance.now() - started);
      paths.push(written.path);
      await new Promise((r) => setTimeout(r, 1000));
    }

    // The worker's analysis, back to back, with the caller's event loop watched.
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    let probeMax = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      probeMax = Math.max(probeMax, now - last - 10);
      last = now;
    }, 10);
    histogram.enable();
    const analysisStarted = performance.now();
    await analyzer.index('baseline', paths[0]);
    await analyzer.index('target', paths[1]);
    const diff = await analyzer.diff(paths[2]);
    const analysisMs = performance.now() - analysisStarted;
    histogram.disable();
    clearInterval(probe);

    const snapshotTotal = snapshotMs.reduce((a, b) => a + b, 0);
    const ratio = (snapshotTotal + analysisMs) / bareMs;
    const loopMaxMs = Math.max(probeMax, histogram.max / 1e6 - 10);
    const leak = diff.groups.find((g) => g.name === 'Leaked');
    const lines = [
      `heap: ${(heapUsed / 1048576).toFixed(0)} MB used, ${diff.finalNodes.toLocaleString('en-US')} objects in the final snapshot`,
      `bare v8.writeHeapSnapshot x${SNAPSHOTS}: ${bareTimes.map((t) => t.toFixed(0)).join(' + ')} = ${bareMs.toFixed(0)} ms`,
      `agent snapshots (GC first) x${SNAPSHOTS}: ${snapshotMs.map((t) => t.toFixed(0)).join(' + ')} = ${snapshotTotal.toFixed(0)} ms`,
      `worker parse + index + diff of all three: ${analysisMs.toFixed(0)} ms (worker's own figure ${diff.ms.toFixed(0)} ms)`,
      `snapshot + diff / bare snapshots: ${ratio.toFixed(2)}x (target <= 2x)`,
      `caller's event loop during the analysis: max block ${loopMaxMs.toFixed(1)} ms (probe ${probeMax.toFixed(1)} ms, histogram max ${(histogram.max / 1e6).toFixed(1)} ms incl. its 10 ms resolution; target <= 50 ms)`,
      `found the leak: ${leak ? `${leak.count} Leaked objects, suspect=${leak.suspect}` : 'no'}`,
    ];
    return {
      name: 'diagnosis',
      lines,
      figures: {
        heapUsedMB: Math.round(heapUsed / 1048576),
        finalObjects: diff.finalNodes,
        bareSnapshotMs: Math.round(bareMs),
        agentSnapshotMs: Math.round(snapshotTotal),
        analysisMs: Math.round(analysisMs),
        ratioToBare: Number(ratio.toFixed(2)),
        ratioTargetMet: ratio <= 2,
        loopMaxBlockMs: Number(loopMaxMs.toFixed(1)),
        loopTargetMet: loopMaxMs <= 50,
        leakFound: Boolean(leak?.suspect),
      },
    };
  } finally {
    analyzer.dispose();
    agentChild?.kill('SIGKILL');
    server.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

runWhenStartedDirectly('diagnosis', run);
