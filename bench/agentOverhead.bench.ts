/**
 * What the Node agent costs the programs it is injected into, against the same program without it,
 * measured in the same run:
 *   - a node:http hello-world server under a bounded keep-alive load from a separate process:
 *     throughput and p99 latency, rounds alternating without/with the agent, medians;
 *   - an idle agent-enabled process: CPU ms/s (/proc/<pid>/stat, all threads) and main-thread
 *     wake-ups/s (voluntary_ctxt_switches in /proc/<pid>/status);
 *   - start-up: `node file` with no preload, an empty preload, and the agent (dormant and with a
 *     live endpoint), as added ms and as a ratio to the empty preload.
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
const HTTP_ROUNDS = 5;
const HTTP_WARMUP_MS = 1000;
const HTTP_MEASURE_MS = 3000;
const HTTP_CONNECTIONS = 16;
const IDLE_WARMUP_MS = 5000;
const IDLE_MEASURE_MS = 30_000;
const STARTUP_ROUNDS = 30;
const CLOCK_TICKS_PER_SECOND = 100;

const SERVER_PROGRAM = `
const http = require('http');
const server = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('hello world'); });
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
`;

/** Keep-alive client loop: a fixed number of connections for a fixed time, loopback only. */
const LOAD_PROGRAM = `
const http = require('http');
const [port, connections, warmupMs, measureMs] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const latencies = [];
let measuring = false, stopping = false, requests = 0;
function one() {
  if (stopping) return;
  const t0 = process.hrtime.bigint();
  http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
    res.resume();
    res.on('end', () => {
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
    process.stdout.write(JSON.stringify({ rps: requests / seconds, p50: q(0.5), p99: q(0.99) }) + '\\n');
    agent.destroy();
  }, measureMs);
}, warmupMs);
`;

const IDLE_PROGRAM = `require('http').createServer(() => {}).listen(0, '127.0.0.1'); setInterval(() => {}, 3600000);`;
const LIVES_400_MS = `setTimeout(() => { const u = process.cpuUsage(); process.stdout.write(JSON.stringify({ cpuMs: (u.user + u.system) / 1000 }) + '\\n'); }, 400);`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
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

/** One round of load against a fresh server process. */
async function httpRound(dir: string, setup: Env): Promise<{ rps: number; p50: number; p99: number; cpuUsPerRequest: number }> {
  const server = spawn(process.execPath, [join(dir, 'server.js')], { env: setup.env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const { port } = await firstLine<{ port: number }>(server);
    const load = spawn(process.execPath, [join(dir, 'load.js'), String(port), String(HTTP_CONNECTIONS), String(HTTP_WARMUP_MS), String(HTTP_MEASURE_MS)], {
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // Server CPU per request over the measured window: far less sensitive to other load on the machine than req/s.
    const cpuAtStart = new Promise<number>((resolve) => setTimeout(() => resolve(procCpuMs(server.pid!)), HTTP_WARMUP_MS));
    const result = await firstLine<{ rps: number; p50: number; p99: number }>(load);
    const cpuMs = procCpuMs(server.pid!) - (await cpuAtStart);
    return { ...result, cpuUsPerRequest: (cpuMs * 1000) / (result.rps * (HTTP_MEASURE_MS / 1000)) };
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
    writeFileSync(join(dir, 'empty.js'), '');
    writeFileSync(join(dir, 'lives400.js'), LIVES_400_MS);
    const without = environment(server, false);
    const withAgent = environment(server, true);

    // (1) HTTP throughput and p99, alternating which goes first.
    const rounds: Array<{ without: { rps: number; p99: number; cpuUsPerRequest: number }; with: { rps: number; p99: number; cpuUsPerRequest: number } }> = [];
    for (let i = 0; i < HTTP_ROUNDS; i++) {
      const connectedBefore = connections;
      let a, b;
      if (i % 2 === 0) {
        a = await httpRound(dir, without);
        b = await httpRound(dir, withAgent);
      } else {
        b = await httpRound(dir, withAgent);
        a = await httpRound(dir, without);
      }
      if (connections === connectedBefore) throw new Error('the agent of the loaded server never connected');
      rounds.push({ without: a, with: b });
    }
    const rpsWithout = median(rounds.map((r) => r.without.rps));
    const rpsWith = median(rounds.map((r) => r.with.rps));
    const p99Without = median(rounds.map((r) => r.without.p99));
    const p99With = median(rounds.map((r) => r.with.p99));
    // Per-round paired ratios are less sensitive to drift in machine load than ratios of medians.
    const throughputDeltaPct = (median(rounds.map((r) => r.with.rps / r.without.rps)) - 1) * 100;
    const p99DeltaPct = (median(rounds.map((r) => r.with.p99 / r.without.p99)) - 1) * 100;
    const cpuPerRequestDeltaPct = (median(rounds.map((r) => r.with.cpuUsPerRequest / r.without.cpuUsPerRequest)) - 1) * 100;

    // (2) Idle cost: no agent, default agent, agent in fine-detail mode, side by side.
    const [idleNone, idleAgent, idleFine] = await idleCosts(dir, [without, withAgent, { ...withAgent, fine: true }], server);

    // (3) Start-up.
    const emptyPreload = ['--require', join(dir, 'empty.js')];
    const dormant = { ...process.env };
    delete dormant.NODE_OPTIONS;
    const variants: Array<[string, string[], NodeJS.ProcessEnv]> = [
      ['none', [join(dir, 'empty.js')], dormant],
      ['emptyPreload', [...emptyPreload, join(dir, 'empty.js')], dormant],
      ['agentDormant', ['--require', AGENT_BUNDLE, join(dir, 'empty.js')], dormant],
      ['agentWithEndpoint', ['--require', AGENT_BUNDLE, join(dir, 'empty.js')], without.env],
    ];
    const times = new Map(variants.map(([name]) => [name, [] as number[]]));
    for (let i = 0; i < STARTUP_ROUNDS; i++) {
      for (const [name, args, env] of i % 2 ? [...variants].reverse() : variants) times.get(name)!.push(startupMs(args, env));
    }
    const start = Object.fromEntries([...times].map(([name, values]) => [name, median(values)]));
    const emptyCost = start.emptyPreload - start.none;
    const agentAddedMs = start.agentWithEndpoint - start.emptyPreload;

    // (4) CPU a short program spends with a connected agent (connect, hello, first report).
    const cpuOf = (env: NodeJS.ProcessEnv) => JSON.parse(spawnSync(process.execPath, [join(dir, 'lives400.js')], { env, encoding: 'utf8' }).stdout).cpuMs as number;
    const cpuWithout: number[] = [];
    const cpuWith: number[] = [];
    for (let i = 0; i < 7; i++) {
      cpuWithout.push(cpuOf(without.env));
      cpuWith.push(cpuOf(withAgent.env));
    }
    const connectCpuMs = median(cpuWith) - median(cpuWithout);

    // (5) The loader's own load time, measured inside the process (wall-clock start-up is noisier than the effect).
    const loadMs = (file: string, env: NodeJS.ProcessEnv) =>
      Number(spawnSync(process.execPath, ['-e', `const t = process.hrtime.bigint(); require(${JSON.stringify(file)}); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6))`], { env, encoding: 'utf8' }).stdout);
    const loadEmpty: number[] = [];
    const loadAgent: number[] = [];
    for (let i = 0; i < STARTUP_ROUNDS; i++) {
      loadEmpty.push(loadMs(join(dir, 'empty.js'), dormant));
      loadAgent.push(loadMs(AGENT_BUNDLE, without.env));
    }
    const loaderAddedMs = median(loadAgent) - median(loadEmpty);

    const figures = {
      httpRpsWithout: Math.round(rpsWithout),
      httpRpsWith: Math.round(rpsWith),
      httpThroughputDeltaPct: round(throughputDeltaPct, 2),
      httpP99WithoutMs: round(p99Without),
      httpP99WithMs: round(p99With),
      httpP99DeltaPct: round(p99DeltaPct, 2),
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
      startAgentAddedOverEmptyPreloadMs: round(agentAddedMs, 2),
      startAgentCostOverEmptyPreloadCost: round((start.agentWithEndpoint - start.none) / emptyCost, 2),
      loaderRequireMs: round(median(loadAgent)),
      emptyRequireMs: round(median(loadEmpty)),
      loaderAddedOverEmptyRequireMs: round(loaderAddedMs),
      httpServerCpuUsPerRequestWithout: round(median(rounds.map((r) => r.without.cpuUsPerRequest)), 2),
      httpServerCpuUsPerRequestWith: round(median(rounds.map((r) => r.with.cpuUsPerRequest)), 2),
      httpServerCpuPerRequestDeltaPct: round(cpuPerRequestDeltaPct, 2),
      connectedAgentCpuMsFirst400ms: round(connectCpuMs, 2),
      targetThroughputWithin2Pct: throughputDeltaPct >= -2,
      targetP99Within10Pct: p99DeltaPct <= 10,
      targetIdleCpuAtMost1MsPerS: idleAgent.cpuMsPerS - idleNone.cpuMsPerS <= 1,
      targetIdleWakeupsAtMost2PerS: idleAgent.wakeupsPerS - idleNone.wakeupsPerS <= 2,
      targetStartupAddedAtMost2Ms: agentAddedMs <= 2,
      targetLoaderAddedAtMost2Ms: loaderAddedMs <= 2,
    };
    const lines = [
      `node:http hello world, ${HTTP_CONNECTIONS} keep-alive connections, ${HTTP_ROUNDS} alternating rounds of ${HTTP_MEASURE_MS / 1000} s (medians):`,
      `  throughput   without ${figures.httpRpsWithout} req/s   with agent ${figures.httpRpsWith} req/s   delta ${figures.httpThroughputDeltaPct}%   (target >= -2%)`,
      `  p99 latency  without ${figures.httpP99WithoutMs} ms   with agent ${figures.httpP99WithMs} ms   delta ${figures.httpP99DeltaPct}%   (target <= +10%)`,
      `  server CPU per request  without ${figures.httpServerCpuUsPerRequestWithout} us   with agent ${figures.httpServerCpuUsPerRequestWith} us   delta ${figures.httpServerCpuPerRequestDeltaPct}%   (robust to machine load)`,
      `  per round: ${rounds.map((r) => `${Math.round(r.without.rps)}/${Math.round(r.with.rps)}`).join('  ')} req/s (without/with)`,
      `idle process over ${IDLE_MEASURE_MS / 1000} s (after ${IDLE_WARMUP_MS / 1000} s warm-up):`,
      `  CPU        without ${figures.idleCpuMsPerSecondWithout} ms/s   agent ${figures.idleCpuMsPerSecondAgent} ms/s   agent fine detail ${figures.idleCpuMsPerSecondAgentFine} ms/s   added ${figures.idleAddedCpuMsPerSecond} ms/s (target <= 1)`,
      `  wake-ups   without ${figures.idleWakeupsPerSecondWithout}/s   agent ${figures.idleWakeupsPerSecondAgent}/s   agent fine detail ${figures.idleWakeupsPerSecondAgentFine}/s   added ${figures.idleAddedWakeupsPerSecond}/s (target <= 2)`,
      `start-up of an empty program, median of ${STARTUP_ROUNDS}:`,
      `  no preload ${figures.startNoPreloadMs} ms   empty preload ${figures.startEmptyPreloadMs} ms   agent dormant ${figures.startAgentDormantMs} ms   agent with endpoint ${figures.startAgentWithEndpointMs} ms`,
      `  agent adds ${figures.startAgentAddedOverEmptyPreloadMs} ms over an empty preload (target <= 2 ms); agent cost / empty preload cost = ${figures.startAgentCostOverEmptyPreloadCost}x`,
      `  in-process: require(loader) ${figures.loaderRequireMs} ms vs require(empty file) ${figures.emptyRequireMs} ms: the loader adds ${figures.loaderAddedOverEmptyRequireMs} ms (target <= 2 ms)`,
      `  a 400 ms program with a connected agent spends ${figures.connectedAgentCpuMsFirst400ms} ms more CPU (lazy net/perf_hooks, hello, first reports)`,
    ];
    return { name: 'agentOverhead', lines, figures };
  } finally {
    server.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

runWhenStartedDirectly('agentOverhead', run);
