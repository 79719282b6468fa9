/**
 * What the Node agent costs the programs it is injected into, against the same program without it,
 * measured in the same run:
 *   - a node:http hello-world server under a bounded keep-alive load from a separate process:
 *     throughput, p99 latency and server CPU per request (/proc), in paired rounds (without/with,
 *     order alternating), as the median of the per-round ratios with a distribution-free 95%
 *     confidence interval (the machine is shared: ratios within a round cancel most of its drift);
 *   - an idle agent-enabled process: CPU ms/s (/proc/<pid>/schedstat, all threads) and main-thread
 *     wake-ups/s (voluntary_ctxt_switches in /proc/<pid>/status);
 *   - start-up of `node -e 0` with no preload, an empty preload, and the agent (dormant and with a
 *     live endpoint): instructions counted by valgrind (repeatable to ~0.01% with ASLR off and fixed
 *     V8 seeds, whatever else the machine runs), as a ratio to the empty preload and converted to ms
 *     at the measured ns per instruction of `node -e 0`; and wall-clock medians of interleaved runs
 *     with a 95% confidence interval of the paired difference;
 *   - the same server's instructions per request (valgrind, repeatable), without and with the agent:
 *     the difference of two runs of N1 and N2 requests, so start-up and JIT warm-up cancel out; for
 *     a CPU-bound server, throughput changes by the inverse ratio. Under valgrind the program runs
 *     ~50x slower while the agent's reports stay at 1 Hz, so the agent's time-driven share is
 *     overstated: an upper bound;
 *   - GC tracking: instructions per GC of a GC PerformanceObserver (what the agent uses) and of
 *     v8.GCProfiler (exact heap after GC, but costlier), on a program that allocates garbage,
 *     converted to a share of the CPU of a request with the GCs per request the agent reported.
 *
 *   node scripts/build.mjs && node out/bench/agentOverhead.bench.js
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentServer } from '../src/monitor/agents/AgentServer';
import { nodeOptionsWithAgent } from '../src/monitor/agents/agentNodeOptions';
import { runWhenStartedDirectly, type BenchResult } from './benchResult';

const AGENT_BUNDLE = join(__dirname, '../../dist/agent.js');
const HTTP_ROUNDS = 8;
const HTTP_WARMUP_MS = 1000;
const HTTP_MEASURE_MS = 2500;
const HTTP_CONNECTIONS = 16;
const IDLE_WARMUP_MS = 5000;
const IDLE_MEASURE_MS = 30_000;
const STARTUP_ROUNDS = 40;
/** Objects the GC program allocates (about 80 scavenges), and how often it restarts its GCProfiler (like one report). */
const GC_PROGRAM_OBJECTS = 3_000_000;
const CLOCK_TICKS_PER_SECOND = 100;
/** Requests of the two counted server runs (instructions per request = difference / (N2 - N1)). */
const COUNTED_REQUESTS = [1000, 5000] as const;

/** The hello world; with a request count as its argument it exits once it has served that many (for instruction counts). */
const SERVER_PROGRAM = `
const http = require('http');
const limit = Number(process.argv[2] ?? 0);
let served = 0;
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('hello world');
  if (++served === limit) setImmediate(() => process.exit(0));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
`;
/** Sends exactly the given number of requests over keep-alive connections, loopback only. */
const COUNTED_LOAD_PROGRAM = `
const http = require('http');
const [port, total, connections] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
let sent = 0;
function one() {
  if (sent >= total) return agent.destroy();
  sent++;
  http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => { res.resume(); res.on('end', one); }).on('error', () => {});
}
for (let i = 0; i < connections; i++) one();
`;

/** Keep-alive client loop: a fixed number of connections for a fixed time, loopback only. */
const LOAD_PROGRAM = `
const http = require('http');
const [port, connections, warmupMs, measureMs] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const latencies = [];
let measuring = false, stopping = false, requests = 0, total = 0;
function one() {
  if (stopping) return;
  const t0 = process.hrtime.bigint();
  http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
    res.resume();
    res.on('end', () => {
      total++;
      if (measuring) { requests++; latencies.push(Number(process.hrtime.bigint() - t0) / 1e6); }
      one();
    });
  }).on('error', () => {});
}
for (let i = 0; i < connections; i++) one();
setTimeout(() => {
  measuring = true;
  const start = process.hrtime.bigint();
  setTimeout(() => {
    measuring = false; stopping = true;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    latencies.sort((a, b) => a - b);
    const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
    process.stdout.write(JSON.stringify({ rps: requests / seconds, p50: q(0.5), p99: q(0.99), total }) + '\\n');
    agent.destroy();
  }, measureMs);
}, warmupMs);
`;

/** Allocates garbage in chunks (yielding between them, as a server does) with GC tracking off, by observer, or by GCProfiler. */
const GC_PROGRAM = `
const [mode, objects] = [process.argv[2], Number(process.argv[3])];
let gcs = 0, profiler;
if (mode === 'observer') {
  new (require('perf_hooks').PerformanceObserver)((list) => { gcs += list.getEntries().length; }).observe({ entryTypes: ['gc'] });
} else if (mode === 'profiler') {
  const { GCProfiler } = require('v8');
  profiler = new GCProfiler(); profiler.start();
  globalThis.drain = () => { const next = new GCProfiler(); next.start(); gcs += profiler.stop().statistics.length; profiler = next; };
}
const keep = new Array(1000);
let n = 0, chunks = 0;
function chunk() {
  for (let i = 0; i < 20000; i++) { keep[n++ % 1000] = { a: n, b: [n, n + 1], c: 'k' + (n & 1023) }; }
  if (globalThis.drain && ++chunks % 40 === 0) globalThis.drain();
  if (n < objects) setImmediate(chunk);
  else setImmediate(() => { if (globalThis.drain) globalThis.drain(); process.stdout.write(JSON.stringify({ gcs }) + '\\n'); process.exit(0); });
}
chunk();
`;

const IDLE_PROGRAM = `require('http').createServer(() => {}).listen(0, '127.0.0.1'); setInterval(() => {}, 3600000);`;
const LIVES_400_MS = `setTimeout(() => { const u = process.cpuUsage(); process.stdout.write(JSON.stringify({ cpuMs: (u.user + u.system) / 1000 }) + '\\n'); }, 400);`;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * A distribution-free confidence interval of the median, at least 95%: [x(k), x(n-k+1)] of the sorted
 * values, with the largest k whose tails P(Binomial(n, 1/2) <= k-1) stay within 2.5% (k = 1, the
 * whole range, for small n).
 */
function medianInterval(values: number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  let k = 1;
  let tail = binomialHalf(n, 0);
  while (k < n / 2 && tail + binomialHalf(n, k) <= 0.025) tail += binomialHalf(n, k++);
  return [sorted[k - 1], sorted[n - k]];
}

function binomialHalf(n: number, k: number): number {
  let c = 1;
  for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1);
  return c / 2 ** n;
}
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

interface Env {
  readonly withAgent: boolean;
  readonly env: NodeJS.ProcessEnv;
}

function environment(server: AgentServer, withAgent: boolean): Env {
  const env: NodeJS.ProcessEnv = { ...process.env, ...server.environment() };
  delete env.NODE_OPTIONS;
  if (withAgent) env.NODE_OPTIONS = nodeOptionsWithAgent(AGENT_BUNDLE, undefined);
  return { withAgent, env };
}

function firstLine<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (b: Buffer) => {
      text += b.toString();
      const newline = text.indexOf('\n');
      if (newline >= 0) resolve(JSON.parse(text.slice(0, newline)) as T);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before reporting`)));
  });
}

interface HttpRound {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuUsPerRequest: number;
  /** GCs per request the server's agent reported (with the agent only). */
  readonly gcsPerRequest?: number;
}

/** One round of load against a fresh server process. */
async function httpRound(dir: string, setup: Env, agents: AgentServer): Promise<HttpRound> {
  const server = spawn(process.execPath, [join(dir, 'server.js')], { env: setup.env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const { port } = await firstLine<{ port: number }>(server);
    const load = spawn(process.execPath, [join(dir, 'load.js'), String(port), String(HTTP_CONNECTIONS), String(HTTP_WARMUP_MS), String(HTTP_MEASURE_MS)], {
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // Server CPU per request over the measured window: far less sensitive to other load on the machine than req/s.
    const cpuAtStart = new Promise<number>((resolve) => setTimeout(() => resolve(procCpuMs(server.pid!)), HTTP_WARMUP_MS));
    const result = await firstLine<{ rps: number; p50: number; p99: number; total: number }>(load);
    const cpuMs = procCpuMs(server.pid!) - (await cpuAtStart);
    const gc = agents.get(server.pid!)?.latest?.gc;
    const gcs = gc ? gc.minor.count + gc.major.count : undefined;
    return {
      rps: result.rps,
      p50: result.p50,
      p99: result.p99,
      cpuUsPerRequest: (cpuMs * 1000) / (result.rps * (HTTP_MEASURE_MS / 1000)),
      ...(setup.withAgent && gcs !== undefined ? { gcsPerRequest: gcs / result.total } : {}),
    };
  } finally {
    server.kill('SIGKILL');
  }
}

/**
 * CPU time of a process in ms. schedstat counts nanoseconds; stat's utime + stime count 10 ms ticks,
 * which over an idle window of seconds is too coarse to tell 0.2 ms/s from 1 ms/s.
 */
function procCpuMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'latin1').split(' ')[0]) / 1e6;
  } catch {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND; // utime + stime
  }
}

function voluntarySwitches(pid: number): number {
  return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))![1]);
}

/** Starts the idle program in each setup at once, then measures them over the same window. */
async function idleCosts(dir: string, setups: Array<Env & { fine?: boolean }>, server: AgentServer): Promise<Array<{ cpuMsPerS: number; wakeupsPerS: number }>> {
  const children = setups.map((s) => spawn(process.execPath, [join(dir, 'idle.js')], { env: s.env, stdio: 'ignore' }));
  try {
    await new Promise((r) => setTimeout(r, 1000));
    setups.forEach((s, i) => {
      if (s.fine) server.setDetail(children[i].pid!, true);
    });
    await new Promise((r) => setTimeout(r, IDLE_WARMUP_MS - 1000));
    const before = children.map((c) => ({ cpu: procCpuMs(c.pid!), switches: voluntarySwitches(c.pid!), t: performance.now() }));
    await new Promise((r) => setTimeout(r, IDLE_MEASURE_MS));
    return children.map((c, i) => {
      const seconds = (performance.now() - before[i].t) / 1000;
      return { cpuMsPerS: (procCpuMs(c.pid!) - before[i].cpu) / seconds, wakeupsPerS: (voluntarySwitches(c.pid!) - before[i].switches) / seconds };
    });
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
}

function startupMs(args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, args, { env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Whether valgrind can count instructions here (perf counters are often unavailable in VMs). */
function valgrindAvailable(): boolean {
  return spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Instructions (user space, every thread) `node <args>` executes, counted by valgrind's cachegrind
 * without cache simulation. ASLR off (setarch -R) and fixed V8 seeds make the count repeatable to
 * about 0.01%; runs go two at a time (two cores). Returns the counts and the programs' stdout.
 */
async function instructionCounts(
  runs: Array<{ args: string[]; env: NodeJS.ProcessEnv; drive?: (firstLine: string) => void }>,
): Promise<Array<{ instructions: number; stdout: string; wallMs: number }>> {
  const setarch = spawnSync('setarch', ['-R', 'true'], { stdio: 'ignore' }).status === 0;
  const one = (args: string[], env: NodeJS.ProcessEnv, drive?: (firstLine: string) => void) =>
    new Promise<{ instructions: number; stdout: string; wallMs: number }>((resolve, reject) => {
      const started = Date.now();
      const command = [
        ...(setarch ? ['setarch', '-R'] : []),
        'valgrind', '--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null',
        process.execPath, '--hash-seed=1', '--random-seed=1', ...args,
      ];
      const child = spawn(command[0], command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let driven = false;
      child.stdout.on('data', (b: Buffer) => {
        stdout += b.toString();
        // A program that needs a peer (the counted server) says so in its first line.
        if (drive && !driven && stdout.includes('\n')) {
          driven = true;
          drive(stdout.slice(0, stdout.indexOf('\n')));
        }
      });
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.once('error', reject);
      child.once('close', () => {
        const match = /I\s+refs:\s+([\d,]+)/.exec(stderr);
        if (match) resolve({ instructions: Number(match[1].replace(/,/g, '')), stdout, wallMs: Date.now() - started });
        else reject(new Error(`valgrind printed no instruction count: ${stderr.slice(-500)}`));
      });
    });
  const out: Array<{ instructions: number; stdout: string; wallMs: number }> = [];
  for (let i = 0; i < runs.length; i += 2) out.push(...(await Promise.all(runs.slice(i, i + 2).map((r) => one(r.args, r.env, r.drive)))));
  return out;
}

/** Runs the benchmark and returns its figures. */
export async function run(): Promise<BenchResult> {
  if (process.platform !== 'linux') return { name: 'agentOverhead', lines: ['skipped: Linux only (/proc)'], figures: { skipped: true } };
  const dir = mkdtempSync(join(tmpdir(), 'pv-agent-bench-'));
  const server = await AgentServer.listen();
  let connections = 0;
  server.onDidConnect(() => connections++);
  try {
    writeFileSync(join(dir, 'server.js'), SERVER_PROGRAM);
    writeFileSync(join(dir, 'load.js'), LOAD_PROGRAM);
    writeFileSync(join(dir, 'idle.js'), IDLE_PROGRAM);
    writeFileSync(join(dir, 'gc.js'), GC_PROGRAM);
    writeFileSync(join(dir, 'counted-load.js'), COUNTED_LOAD_PROGRAM);
    writeFileSync(join(dir, 'empty.js'), '');
    writeFileSync(join(dir, 'lives400.js'), LIVES_400_MS);
    const without = environment(server, false);
    const withAgent = environment(server, true);

    // (1) HTTP throughput, p99 and CPU per request, in pairs whose order alternates.
    const rounds: Array<{ without: HttpRound; with: HttpRound }> = [];
    for (let i = 0; i < HTTP_ROUNDS; i++) {
      const connectedBefore = connections;
      let a, b;
      if (i % 2 === 0) {
        a = await httpRound(dir, without, server);
        b = await httpRound(dir, withAgent, server);
      } else {
        b = await httpRound(dir, withAgent, server);
        a = await httpRound(dir, without, server);
      }
      if (connections === connectedBefore) throw new Error('the agent of the loaded server never connected');
      rounds.push({ without: a, with: b });
    }
    const rpsWithout = median(rounds.map((r) => r.without.rps));
    const rpsWith = median(rounds.map((r) => r.with.rps));
    const p99Without = median(rounds.map((r) => r.without.p99));
    const p99With = median(rounds.map((r) => r.with.p99));
    // Per-round paired ratios are less sensitive to drift in machine load than ratios of medians.
    const pct = (ratio: number) => (ratio - 1) * 100;
    const rpsRatios = rounds.map((r) => r.with.rps / r.without.rps);
    const p99Ratios = rounds.map((r) => r.with.p99 / r.without.p99);
    const cpuRatios = rounds.map((r) => r.with.cpuUsPerRequest / r.without.cpuUsPerRequest);
    const throughputDeltaPct = pct(median(rpsRatios));
    const p99DeltaPct = pct(median(p99Ratios));
    const cpuPerRequestDeltaPct = pct(median(cpuRatios));
    const [rpsLow, rpsHigh] = medianInterval(rpsRatios).map(pct);
    const [p99Low, p99High] = medianInterval(p99Ratios).map(pct);
    const [cpuLow, cpuHigh] = medianInterval(cpuRatios).map(pct);
    const gcsPerRequest = median(rounds.map((r) => r.with.gcsPerRequest ?? NaN).filter(Number.isFinite));

    // (2) Idle cost: no agent, default agent, agent in fine-detail mode, side by side.
    const [idleNone, idleAgent, idleFine] = await idleCosts(dir, [without, withAgent, { ...withAgent, fine: true }], server);

    // (3) Start-up of `node -e 0`: wall clock, interleaved, in rotating order.
    const dormant = { ...process.env };
    delete dormant.NODE_OPTIONS;
    const emptyFile = join(dir, 'empty.js');
    const variants: Array<[string, string[], NodeJS.ProcessEnv]> = [
      ['none', ['-e', '0'], dormant],
      ['emptyPreload', ['--require', emptyFile, '-e', '0'], dormant],
      ['agentDormant', ['--require', AGENT_BUNDLE, '-e', '0'], dormant],
      ['agentWithEndpoint', ['--require', AGENT_BUNDLE, '-e', '0'], without.env],
    ];
    const times = new Map(variants.map(([name]) => [name, [] as number[]]));
    for (let i = 0; i < STARTUP_ROUNDS; i++) {
      for (let v = 0; v < variants.length; v++) {
        const [name, args, env] = variants[(v + i) % variants.length];
        times.get(name)!.push(startupMs(args, env));
      }
    }
    const start = Object.fromEntries([...times].map(([name, values]) => [name, median(values)]));
    const paired = (a: string, b: string) => times.get(a)!.map((t, i) => t - times.get(b)![i]);
    const wallAgentOverEmpty = paired('agentWithEndpoint', 'emptyPreload');
    const wallEmptyOverNone = paired('emptyPreload', 'none');
    const agentAddedMs = median(wallAgentOverEmpty);
    const [agentAddedLow, agentAddedHigh] = medianInterval(wallAgentOverEmpty);
    const emptyCostMs = median(wallEmptyOverNone);
    const [emptyLow, emptyHigh] = medianInterval(wallEmptyOverNone);

    // (4) Start-up and GC tracking in instructions (valgrind), when it is installed.
    let counted: Record<string, number> | undefined;
    if (valgrindAvailable()) {
      const gcRun = (mode: string) => ({ args: [join(dir, 'gc.js'), mode, String(GC_PROGRAM_OBJECTS)], env: dormant });
      // The load generator runs natively: only the server is counted.
      const servedRun = (env: NodeJS.ProcessEnv, requests: number) => ({
        args: [join(dir, 'server.js'), String(requests)],
        env,
        drive: (line: string) => {
          const { port } = JSON.parse(line) as { port: number };
          spawn(process.execPath, [join(dir, 'counted-load.js'), String(port), String(requests), '4'], { env: { ...process.env, NODE_OPTIONS: '' }, stdio: 'ignore' });
        },
      });
      const results = await instructionCounts([
        ...variants.map(([, args, env]) => ({ args, env })),
        gcRun('none'), gcRun('observer'), gcRun('profiler'),
        servedRun(without.env, COUNTED_REQUESTS[0]), servedRun(without.env, COUNTED_REQUESTS[1]),
        servedRun(withAgent.env, COUNTED_REQUESTS[0]), servedRun(withAgent.env, COUNTED_REQUESTS[1]),
      ]);
      const [none, empty, agentDormant, agentLive, gcNone, gcObserver, gcProfiler, servedFewWithout, servedManyWithout, servedFewWith, servedManyWith] = results;
      const extraRequests = COUNTED_REQUESTS[1] - COUNTED_REQUESTS[0];
      const gcs = Math.max(1, (JSON.parse(gcObserver.stdout) as { gcs: number }).gcs, (JSON.parse(gcProfiler.stdout) as { gcs: number }).gcs);
      // ns per instruction of a whole `node -e 0` (wall clock including the kernel's share), to turn counts into ms.
      const nsPerInstruction = (start.none * 1e6) / none.instructions;
      counted = {
        none: none.instructions,
        empty: empty.instructions,
        agentDormant: agentDormant.instructions,
        agentLive: agentLive.instructions,
        nsPerInstruction,
        gcs,
        // Per GC, including the one-off cost of starting (an upper bound for a long-running program).
        observerPerGc: (gcObserver.instructions - gcNone.instructions) / gcs,
        profilerPerGc: (gcProfiler.instructions - gcNone.instructions) / gcs,
        perRequestWithout: (servedManyWithout.instructions - servedFewWithout.instructions) / extraRequests,
        perRequestWith: (servedManyWith.instructions - servedFewWith.instructions) / extraRequests,
        // Wall seconds the extra requests took under valgrind: the agent's 1 Hz work ran that long.
        extraSecondsWith: (servedManyWith.wallMs - servedFewWith.wallMs) / 1000,
      };
    }

    // (5) CPU a short program spends with a connected agent (connect, hello, first report).
    const cpuOf = (env: NodeJS.ProcessEnv) => JSON.parse(spawnSync(process.execPath, [join(dir, 'lives400.js')], { env, encoding: 'utf8' }).stdout).cpuMs as number;
    const cpuWithout: number[] = [];
    const cpuWith: number[] = [];
    for (let i = 0; i < 7; i++) {
      cpuWithout.push(cpuOf(without.env));
      cpuWith.push(cpuOf(withAgent.env));
    }
    const connectCpuMs = median(cpuWith) - median(cpuWithout);

    const cpuUsPerRequestWith = median(rounds.map((r) => r.with.cpuUsPerRequest));
    const c = counted;
    const instructionFigures: Record<string, number> = c
      ? {
          startInstructionsNoPreload: c.none,
          startInstructionsEmptyPreload: c.empty,
          startInstructionsAgentDormant: c.agentDormant,
          startInstructionsAgentWithEndpoint: c.agentLive,
          startEmptyPreloadInstructions: c.empty - c.none,
          startAgentAddedInstructions: c.agentLive - c.empty,
          startAgentCostOverEmptyPreloadCostByInstructions: round((c.agentLive - c.none) / (c.empty - c.none), 2),
          startNsPerInstruction: round(c.nsPerInstruction, 4),
          startAgentAddedMsByInstructions: round(((c.agentLive - c.empty) * c.nsPerInstruction) / 1e6, 3),
          startEmptyPreloadMsByInstructions: round(((c.empty - c.none) * c.nsPerInstruction) / 1e6, 3),
          gcProgramGcs: c.gcs,
          gcObserverInstructionsPerGc: Math.round(c.observerPerGc),
          gcProfilerInstructionsPerGc: Math.round(c.profilerPerGc),
          gcProfilerShareOfRequestCpuPct: round((c.profilerPerGc * gcsPerRequest * c.nsPerInstruction) / (cpuUsPerRequestWith * 1000) * 100, 3),
          gcObserverShareOfRequestCpuPct: round((c.observerPerGc * gcsPerRequest * c.nsPerInstruction) / (cpuUsPerRequestWith * 1000) * 100, 3),
          httpInstructionsPerRequestWithout: Math.round(c.perRequestWithout),
          httpInstructionsPerRequestWith: Math.round(c.perRequestWith),
          httpInstructionsPerRequestDeltaPct: round((c.perRequestWith / c.perRequestWithout - 1) * 100, 2),
          // A CPU-bound server's throughput scales with 1 / instructions per request.
          httpThroughputDeltaPctByInstructions: round((c.perRequestWithout / c.perRequestWith - 1) * 100, 2),
          httpValgrindSecondsForExtraRequests: round(c.extraSecondsWith, 1),
        }
      : {};

    const figures = {
      httpRounds: HTTP_ROUNDS,
      httpRpsWithout: Math.round(rpsWithout),
      httpRpsWith: Math.round(rpsWith),
      httpThroughputDeltaPct: round(throughputDeltaPct, 2),
      httpThroughputDeltaPctLow: round(rpsLow, 2),
      httpThroughputDeltaPctHigh: round(rpsHigh, 2),
      httpP99WithoutMs: round(p99Without),
      httpP99WithMs: round(p99With),
      httpP99DeltaPct: round(p99DeltaPct, 2),
      httpP99DeltaPctLow: round(p99Low, 2),
      httpP99DeltaPctHigh: round(p99High, 2),
      httpServerCpuUsPerRequestWithout: round(median(rounds.map((r) => r.without.cpuUsPerRequest)), 2),
      httpServerCpuUsPerRequestWith: round(cpuUsPerRequestWith, 2),
      httpServerCpuPerRequestDeltaPct: round(cpuPerRequestDeltaPct, 2),
      httpServerCpuPerRequestDeltaPctLow: round(cpuLow, 2),
      httpServerCpuPerRequestDeltaPctHigh: round(cpuHigh, 2),
      httpGcsPerRequest: round(gcsPerRequest, 5),
      idleCpuMsPerSecondWithout: round(idleNone.cpuMsPerS),
      idleCpuMsPerSecondAgent: round(idleAgent.cpuMsPerS),
      idleCpuMsPerSecondAgentFine: round(idleFine.cpuMsPerS),
      idleAddedCpuMsPerSecond: round(idleAgent.cpuMsPerS - idleNone.cpuMsPerS),
      idleWakeupsPerSecondWithout: round(idleNone.wakeupsPerS, 2),
      idleWakeupsPerSecondAgent: round(idleAgent.wakeupsPerS, 2),
      idleWakeupsPerSecondAgentFine: round(idleFine.wakeupsPerS, 2),
      idleAddedWakeupsPerSecond: round(idleAgent.wakeupsPerS - idleNone.wakeupsPerS, 2),
      startNoPreloadMs: round(start.none, 2),
      startEmptyPreloadMs: round(start.emptyPreload, 2),
      startAgentDormantMs: round(start.agentDormant, 2),
      startAgentWithEndpointMs: round(start.agentWithEndpoint, 2),
      startEmptyPreloadCostMs: round(emptyCostMs, 2),
      startAgentAddedOverEmptyPreloadMs: round(agentAddedMs, 2),
      startAgentAddedOverEmptyPreloadMsLow: round(agentAddedLow, 2),
      startAgentAddedOverEmptyPreloadMsHigh: round(agentAddedHigh, 2),
      ...instructionFigures,
      connectedAgentCpuMsFirst400ms: round(connectCpuMs, 2),
      // Judged on the repeatable figure when there is one (wall-clock rounds here swing by 2-3x).
      targetThroughputWithin2Pct: (c ? (c.perRequestWithout / c.perRequestWith - 1) * 100 : throughputDeltaPct) >= -2,
      targetP99Within10Pct: p99DeltaPct <= 10,
      targetIdleCpuAtMost1MsPerS: idleAgent.cpuMsPerS - idleNone.cpuMsPerS <= 1,
      targetIdleWakeupsAtMost2PerS: idleAgent.wakeupsPerS - idleNone.wakeupsPerS <= 2,
      // Judged on the repeatable figure when there is one.
      targetStartupAddedAtMost2Ms: (c ? ((c.agentLive - c.empty) * c.nsPerInstruction) / 1e6 : agentAddedMs) <= 2,
    };
    const f = figures as Record<string, number | boolean>;
    const lines = [
      `node:http hello world, ${HTTP_CONNECTIONS} keep-alive connections, ${HTTP_ROUNDS} paired rounds of ${HTTP_MEASURE_MS / 1000} s (median of per-round ratios [95% CI]):`,
      `  throughput   without ${figures.httpRpsWithout} req/s   with agent ${figures.httpRpsWith} req/s   delta ${figures.httpThroughputDeltaPct}% [${figures.httpThroughputDeltaPctLow}, ${figures.httpThroughputDeltaPctHigh}]   (target >= -2%)`,
      `  p99 latency  without ${figures.httpP99WithoutMs} ms   with agent ${figures.httpP99WithMs} ms   delta ${figures.httpP99DeltaPct}% [${figures.httpP99DeltaPctLow}, ${figures.httpP99DeltaPctHigh}]   (target <= +10%)`,
      `  server CPU per request  without ${figures.httpServerCpuUsPerRequestWithout} us   with agent ${figures.httpServerCpuUsPerRequestWith} us   delta ${figures.httpServerCpuPerRequestDeltaPct}% [${figures.httpServerCpuPerRequestDeltaPctLow}, ${figures.httpServerCpuPerRequestDeltaPctHigh}]`,
      `  per round: ${rounds.map((r) => `${Math.round(r.without.rps)}/${Math.round(r.with.rps)}`).join('  ')} req/s (without/with); ${figures.httpGcsPerRequest} GCs per request`,
      ...(c
        ? [
            `  instructions per request (valgrind, repeatable; requests ${COUNTED_REQUESTS[0]} to ${COUNTED_REQUESTS[1]}): without ${f.httpInstructionsPerRequestWithout}   with agent ${f.httpInstructionsPerRequestWith}   delta ${f.httpInstructionsPerRequestDeltaPct}%, so throughput ${f.httpThroughputDeltaPctByInstructions}% for a CPU-bound server (target >= -2%; an upper bound: valgrind slows the server ~30x, not the agent's 1 Hz work, which ran for ${f.httpValgrindSecondsForExtraRequests} s instead of a fraction of one)`,
          ]
        : []),
      `idle process over ${IDLE_MEASURE_MS / 1000} s (after ${IDLE_WARMUP_MS / 1000} s warm-up):`,
      `  CPU        without ${figures.idleCpuMsPerSecondWithout} ms/s   agent ${figures.idleCpuMsPerSecondAgent} ms/s   agent fine detail ${figures.idleCpuMsPerSecondAgentFine} ms/s   added ${figures.idleAddedCpuMsPerSecond} ms/s (target <= 1)`,
      `  wake-ups   without ${figures.idleWakeupsPerSecondWithout}/s   agent ${figures.idleWakeupsPerSecondAgent}/s   agent fine detail ${figures.idleWakeupsPerSecondAgentFine}/s   added ${figures.idleAddedWakeupsPerSecond}/s (target <= 2)`,
      `start-up of node -e 0:`,
      ...(c
        ? [
            `  instructions (valgrind, repeatable): none ${c.none}   empty preload +${f.startEmptyPreloadInstructions}   agent dormant +${c.agentDormant - c.none}   agent with endpoint +${c.agentLive - c.none}`,
            `  agent cost / empty preload cost = ${f.startAgentCostOverEmptyPreloadCostByInstructions}x; agent adds ${f.startAgentAddedInstructions} instructions over an empty preload = ${f.startAgentAddedMsByInstructions} ms at ${f.startNsPerInstruction} ns/instruction (empty preload ${f.startEmptyPreloadMsByInstructions} ms) (target <= 2 ms)`,
          ]
        : ['  valgrind is not installed: no instruction counts']),
      `  wall clock, ${STARTUP_ROUNDS} interleaved rounds: none ${figures.startNoPreloadMs} ms   empty preload ${figures.startEmptyPreloadMs} ms   agent dormant ${figures.startAgentDormantMs} ms   agent with endpoint ${figures.startAgentWithEndpointMs} ms`,
      `  paired differences (median [95% CI]): empty preload adds ${figures.startEmptyPreloadCostMs} ms [${round(emptyLow, 2)}, ${round(emptyHigh, 2)}]; agent adds ${figures.startAgentAddedOverEmptyPreloadMs} ms [${figures.startAgentAddedOverEmptyPreloadMsLow}, ${figures.startAgentAddedOverEmptyPreloadMsHigh}] over an empty preload`,
      `  a 400 ms program with a connected agent spends ${figures.connectedAgentCpuMsFirst400ms} ms more CPU (lazy net/perf_hooks, hello, first reports)`,
      ...(c
        ? [
            `GC tracking, instructions per GC (valgrind, ${c.gcs} GCs, start-up included): PerformanceObserver ${f.gcObserverInstructionsPerGc} (the agent's)   v8.GCProfiler restarted per report ${f.gcProfilerInstructionsPerGc}`,
            `  at ${figures.httpGcsPerRequest} GCs per request: observer ${f.gcObserverShareOfRequestCpuPct}%, GCProfiler ${f.gcProfilerShareOfRequestCpuPct}% of a request's CPU`,
          ]
        : []),
    ];
    return { name: 'agentOverhead', lines, figures };
  } finally {
    server.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

runWhenStartedDirectly('agentOverhead', run);
