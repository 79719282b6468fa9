/**
 * node:http hello-world servers with and without the agent, measured side by side. Every round
 * starts four fresh servers, two without the agent (A1, A2) and two with it (B1, B2), pinned to the
 * same core, each loaded by its own wrk pinned to the other core, all at the same time. Whatever else
 * the machine does (this VM is shared; sequential measurements swung 9k-34k req/s between rounds)
 * hits all four alike, so a ratio within a round cancels it. The agent's figure is B1, B2 against
 * A1, A2 (geometric means); the control is A2, B2 against A1, B1: without against without and with
 * against with, built like the agent's figure, so its spread is the method's own noise and its
 * median any bias of the method (A2 against A1 alone is printed too; one server against one, it
 * spreads ~1.4x as much). Spawn order (and so ports and wrk start order) rotates each round and
 * the two cores swap roles. Four servers share the core and not more, because the share matters:
 * see the bias below.
 *
 * Two phases per round, 20 s each, so that each holds exactly one of the agent's observed HTTP
 * intervals (it subscribes to the http.server channels for one report interval in 20, see
 * VitalsCollector): a shorter window would miss that second or weigh it double. The agents' reports
 * say when they observed, and every window is checked. GCs are sampled the same way once a server
 * has collected often for a few seconds (GcObservationSchedule: one interval in 20), so a saturated
 * window holds one observed GC interval too, or a few more when sampling began in it (the first
 * window of a round, after a short warm-up: against the agent); the count is printed.
 *
 *  - Throughput: wrk with 256 keep-alive connections per server, so no server's queue drains while
 *    the others hold the core. Throughput is requests per CPU-second of the server process (all
 *    threads, from /proc/<pid>/task/<tid>/schedstat): what a saturated server with a core of its own
 *    serves. Requests per wall second are printed too; they also carry each server's share of the
 *    core, which the scheduler lets drift by a few percent over 20 s. One bias remains, against the
 *    agent: its per-second work (the 1 Hz report, the 10 Hz event-loop delay timer) is spread over
 *    the requests a quarter of a core serves instead of a whole core's (with six servers the agent's
 *    figure came out ~2 points worse than with four), and V8 may collect garbage more often per
 *    request when a server gets less of the core (more GCs, more for the agent's GC observer).
 *  - p99 at the same load: the same fixed request rate for all four, 5% of what one core serves
 *    without the agent (from the throughput phase), so about a fifth of the core is busy in all. A
 *    saturating load would compare latencies at different loads (a server 2% slower queues 2% longer
 *    by Little's law: the throughput cost counted again) and mostly measure the scheduler's time
 *    slices between the servers; at a fixed, moderate rate the latency is the server's own work and
 *    pauses, which is what a user of a loaded but not overloaded server sees. wrk 4 has no open-loop
 *    mode: each connection waits an exponential think time (mean 32 connections / rate, ~15 ms)
 *    before its next request, close to Poisson arrivals as long as stalls stay well below the think
 *    time (longer stalls would be under-counted, in A and B alike).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentServer } from '../src/monitor/agents/AgentServer';
import { geometricMean, median, medianInterval, verdict, type MedianInterval, type Verdict } from './roundStatistics';

/** Rounds of four fresh servers. */
export const SIDE_BY_SIDE_ROUNDS = 6;
/** Each phase's window: one full cycle of the agent's HTTP sampling (one report interval in 20). */
export const PHASE_SECONDS = 20;
/** Saturating load before the first window: JIT warm-up, and the agent's first report (it observes HTTP until then). */
const WARMUP_SECONDS = 2;
const SATURATING_CONNECTIONS = 256;
const FIXED_RATE_CONNECTIONS = 32;
/** The fixed rate per server, as a share of what one core serves without the agent. */
export const FIXED_RATE_CORE_SHARE = 0.05;
/** Two servers without the agent, two with it, in a spawn order that alternates them. */
const ROLES = ['A1', 'B1', 'A2', 'B2'] as const;
export type Role = (typeof ROLES)[number];

/** Load script for wrk: optional exponential think time (PACE_MS), and one JSON line of results. */
const WRK_SCRIPT = `
local mean = tonumber(os.getenv("PACE_MS") or "0")
math.randomseed(tonumber(os.getenv("SEED") or "1"))
if mean > 0 then
  delay = function() return -mean * math.log(1 - math.random()) end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"seconds":%.6f,"p50Us":%.1f,"p99Us":%.1f,"errors":%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
`;

interface WrkResult {
  readonly requests: number;
  readonly seconds: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly errors: number;
}

/** One server's figures in one phase. */
export interface PhaseFigures {
  readonly requestsPerSecond: number;
  /** CPU of the whole server process per request, microseconds. */
  readonly cpuUsPerRequest: number;
  /** CPU of its main thread per request, microseconds. */
  readonly mainCpuUsPerRequest: number;
  /** Share of one core the server process used over the window. */
  readonly coreShare: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** Requests wrk counted as failed (timeouts of 10 s, resets). */
  readonly errors: number;
}

/** One round: every role's figures in both phases, and what the agents said. */
export interface SideBySideRound {
  readonly saturated: Record<Role, PhaseFigures>;
  readonly atFixedRate: Record<Role, PhaseFigures>;
  /** Requests per second asked of each server in the fixed-rate phase. */
  readonly fixedRate: number;
  /** HTTP intervals each agent observed inside each window (1 expected per agent and window). */
  readonly observedInSaturated: number[];
  readonly observedInFixedRate: number[];
  /** GCs per request of the servers with the agent (from their reports: estimates while sampled), over warm-up and the saturated phase. */
  readonly gcsPerRequest: number;
  /** Report intervals in which each agent observed every GC, inside each window (about 20 intervals each). */
  readonly gcObservedInSaturated: number[];
  readonly gcObservedInFixedRate: number[];
}

/** Why the side-by-side comparison cannot run here, or undefined when it can. */
export function sideBySideUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'Linux only (/proc, taskset)';
  if (spawnSync('wrk', ['-v'], { stdio: 'ignore' }).error) return 'wrk is not installed (Debian: apt-get install wrk)';
  if (spawnSync('taskset', ['-c', '0,1', 'true'], { stdio: 'ignore' }).status !== 0) return 'needs taskset and two CPUs (0 and 1)';
  return undefined;
}

/** Runs the rounds; `log` gets one line per round. */
export async function compareSideBySide(options: {
  readonly dir: string;
  readonly serverProgram: string;
  readonly agents: AgentServer;
  readonly envWithout: NodeJS.ProcessEnv;
  readonly envWith: NodeJS.ProcessEnv;
  readonly rounds?: number;
  readonly log?: (line: string) => void;
}): Promise<SideBySideRound[]> {
  const { dir, agents } = options;
  const script = join(dir, 'wrk-load.lua');
  writeFileSync(script, WRK_SCRIPT);
  const connected = new Set<number>();
  const observedAt = new Map<number, number[]>();
  const gcs = new Map<number, number>();
  /** Per agent: the times of the reports whose interval had every GC observed. */
  const gcObservedAt = new Map<number, number[]>();
  const subscriptions = [
    agents.onDidConnect((info) => connected.add(info.hello.pid)),
    agents.onDidReport(({ agent, report }) => {
      const pid = agent.hello.pid;
      if (report.http?.observedAt !== undefined) {
        const list = observedAt.get(pid) ?? [];
        if (list[list.length - 1] !== report.http.observedAt) list.push(report.http.observedAt);
        observedAt.set(pid, list);
      }
      gcs.set(pid, report.gc.minor.count + report.gc.major.count);
      if (report.gcSampling?.intervalObserved !== false) {
        const list = gcObservedAt.get(pid) ?? [];
        list.push(report.time);
        gcObservedAt.set(pid, list);
      }
    }),
  ];
  const rounds: SideBySideRound[] = [];
  try {
    for (let round = 0; round < (options.rounds ?? SIDE_BY_SIDE_ROUNDS); round++) {
      const serverCore = round % 2;
      const loadCore = 1 - serverCore;
      // Spawn order (and so ports and wrk start order) rotates: over four rounds each server takes
      // each place once, and every A has both Bs beside it, and every B both As.
      const order = ROLES.map((_, i) => ROLES[(i + round) % ROLES.length]);
      const servers = new Map<Role, ChildProcess>();
      try {
        for (const role of order) {
          const env = role.startsWith('B') ? options.envWith : options.envWithout;
          servers.set(role, spawn('taskset', ['-c', String(serverCore), process.execPath, options.serverProgram], { env, stdio: ['ignore', 'pipe', 'inherit'] }));
        }
        const ports = new Map<Role, number>();
        for (const role of order) ports.set(role, (await firstJsonLine<{ port: number }>(servers.get(role)!)).port);
        const agentPids = order.filter((r) => r.startsWith('B')).map((r) => servers.get(r)!.pid!);
        await until(() => agentPids.every((pid) => connected.has(pid)), 10_000, 'the agents of the servers never connected');

        const load = (role: Role, seconds: number, connections: number, paceMs: number) =>
          runWrk(loadCore, script, ports.get(role)!, seconds, connections, paceMs, round * 10 + order.indexOf(role) + 1);
        const warm = await Promise.all(order.map((role) => load(role, WARMUP_SECONDS, SATURATING_CONNECTIONS, 0)));
        const saturated = await measure(order, servers, () => Promise.all(order.map((role) => load(role, PHASE_SECONDS, SATURATING_CONNECTIONS, 0))));
        const aCpuUs = median(ROLES.filter((role) => role.startsWith('A')).map((role) => saturated.figures[role].cpuUsPerRequest));
        const rate = (FIXED_RATE_CORE_SHARE * 1e6) / aCpuUs;
        const paceMs = (FIXED_RATE_CONNECTIONS / rate) * 1000;
        const fixed = await measure(order, servers, () => Promise.all(order.map((role) => load(role, PHASE_SECONDS, FIXED_RATE_CONNECTIONS, paceMs))));
        const inWindow = (pid: number, w: { start: number; end: number }, times = observedAt) => (times.get(pid) ?? []).filter((t) => t > w.start && t <= w.end).length;
        const requestsSoFar = order.filter((r) => r.startsWith('B')).reduce((sum, r) => sum + warm[order.indexOf(r)].requests + saturated.results[order.indexOf(r)].requests, 0);
        const gcsSoFar = agentPids.reduce((sum, pid) => sum + (gcs.get(pid) ?? 0), 0);
        const result: SideBySideRound = {
          saturated: saturated.figures,
          atFixedRate: fixed.figures,
          fixedRate: rate,
          observedInSaturated: agentPids.map((pid) => inWindow(pid, saturated.window)),
          observedInFixedRate: agentPids.map((pid) => inWindow(pid, fixed.window)),
          gcsPerRequest: gcsSoFar / requestsSoFar,
          gcObservedInSaturated: agentPids.map((pid) => inWindow(pid, saturated.window, gcObservedAt)),
          gcObservedInFixedRate: agentPids.map((pid) => inWindow(pid, fixed.window, gcObservedAt)),
        };
        rounds.push(result);
        options.log?.(describeRound(round, order, result));
      } finally {
        for (const child of servers.values()) child.kill('SIGKILL');
      }
    }
  } finally {
    for (const s of subscriptions) s.dispose();
  }
  return rounds;
}

async function measure(
  order: readonly Role[],
  servers: Map<Role, ChildProcess>,
  run: () => Promise<WrkResult[]>,
): Promise<{ figures: Record<Role, PhaseFigures>; results: WrkResult[]; window: { start: number; end: number } }> {
  const pids = order.map((role) => servers.get(role)!.pid!);
  const before = pids.map((pid) => processCpuNs(pid));
  const start = Date.now();
  const t0 = performance.now();
  const results = await run();
  const wallNs = (performance.now() - t0) * 1e6;
  const end = Date.now();
  const after = pids.map((pid) => processCpuNs(pid));
  const figures = {} as Record<Role, PhaseFigures>;
  order.forEach((role, i) => {
    const r = results[i];
    if (r.requests === 0) throw new Error(`wrk against ${role} completed no request (${r.errors} errors)`);
    const cpuNs = after[i].all - before[i].all;
    figures[role] = {
      requestsPerSecond: r.requests / r.seconds,
      cpuUsPerRequest: cpuNs / 1000 / r.requests,
      mainCpuUsPerRequest: (after[i].main - before[i].main) / 1000 / r.requests,
      coreShare: cpuNs / wallNs,
      p50Us: r.p50Us,
      p99Us: r.p99Us,
      errors: r.errors,
    };
  });
  return { figures, results, window: { start, end } };
}

function describeRound(round: number, order: readonly Role[], r: SideBySideRound): string {
  const each = (f: (role: Role) => string) => order.map((role) => `${role} ${f(role)}`).join(', ');
  return (
    `  round ${round + 1}: saturated ${each((role) => `${Math.round(r.saturated[role].requestsPerSecond)}/s ${r.saturated[role].cpuUsPerRequest.toFixed(2)} us`)}` +
    ` | at ${Math.round(r.fixedRate)}/s: p99 ${each((role) => `${(r.atFixedRate[role].p99Us / 1000).toFixed(2)} ms`)}` +
    ` | observed ${r.observedInSaturated.join('')}/${r.observedInFixedRate.join('')}` +
    ` | GCs observed in ${r.gcObservedInSaturated.join(',')}/${r.gcObservedInFixedRate.join(',')} intervals`
  );
}

function runWrk(core: number, script: string, port: number, seconds: number, connections: number, paceMs: number, seed: number): Promise<WrkResult> {
  const child = spawn('taskset', ['-c', String(core), 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, `http://127.0.0.1:${port}/`], {
    env: { ...process.env, PACE_MS: String(paceMs), SEED: String(seed) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (b: Buffer) => (text += b.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const last = text.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as WrkResult);
      } catch {
        reject(new Error(`wrk exited with ${code}: ${text.slice(-300)}`));
      }
    });
  });
}

/** CPU time of a process in ns: all its threads, and its main thread alone (schedstat: ns on the CPU). */
function processCpuNs(pid: number): { all: number; main: number } {
  const ns = (file: string) => Number(readFileSync(file, 'latin1').split(' ')[0]);
  let all = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      all += ns(`/proc/${pid}/task/${tid}/schedstat`);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return { all, main: ns(`/proc/${pid}/schedstat`) };
}

function firstJsonLine<T>(child: ChildProcess): Promise<T> {
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

async function until(condition: () => boolean, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A per-round ratio's median and sign-test interval, as percent changes. */
export interface RatioSummary extends MedianInterval {
  readonly median: number;
  /** Every round's value, in round order. */
  readonly rounds: number[];
}

function percentSummary(ratios: readonly number[]): RatioSummary {
  const pct = (r: number) => (r - 1) * 100;
  const interval = medianInterval(ratios);
  return { median: pct(median(ratios)), low: pct(interval.low), high: pct(interval.high), confidence: interval.confidence, rounds: ratios.map(pct) };
}

/**
 * The comparison's figures: the agent's ratio B1, B2 against A1, A2; the control A2, B2 against
 * A1, B1 (without against without, with against with, so no agent effect can be in it, built like
 * the agent's ratio); and A2 against A1 alone.
 */
export interface SideBySideSummary {
  readonly rounds: number;
  /** Throughput at saturation, requests per CPU-second of the whole process: the agent's ratio and the control. */
  readonly throughput: RatioSummary;
  readonly throughputControl: RatioSummary;
  /** A2 against A1 alone: one server against one, so its spread is about 1.4x that of the ratios above. */
  readonly throughputAOnly: RatioSummary;
  /** The same per CPU-second of the main thread alone (what bounds a server on a multi-core machine). */
  readonly throughputMainThread: RatioSummary;
  /** Requests per wall second at saturation (includes the scheduler's share of the core). */
  readonly requestsPerSecond: RatioSummary;
  readonly requestsPerSecondControl: RatioSummary;
  /** p99 latency at the same fixed rate. */
  readonly p99: RatioSummary;
  readonly p99Control: RatioSummary;
  readonly p99AOnly: RatioSummary;
  /** CPU per request at the fixed rate (per-second work weighs most at a low rate). */
  readonly cpuPerRequestAtFixedRate: RatioSummary;
  readonly medians: {
    readonly requestsPerSecondWithout: number;
    readonly requestsPerSecondWith: number;
    readonly cpuUsPerRequestWithout: number;
    readonly cpuUsPerRequestWith: number;
    readonly fixedRate: number;
    readonly p99MsWithout: number;
    readonly p99MsWith: number;
    readonly coreShare: number;
  };
  /** Requests wrk counted as failed, all servers and rounds. */
  readonly errors: number;
  /** Windows in which an agent did not observe exactly one HTTP interval (0 expected). */
  readonly windowsWithoutOneObservedInterval: number;
  readonly gcsPerRequest: number;
  /** Report intervals with every GC observed, per agent and window (median): saturated, and at the fixed rate. */
  readonly gcObservedIntervalsSaturated: number;
  readonly gcObservedIntervalsFixedRate: number;
}

/** Per-round ratios of the rounds, summarized. */
export function summarizeSideBySide(rounds: readonly SideBySideRound[]): SideBySideSummary {
  type Phase = 'saturated' | 'atFixedRate';
  const pair = (r: Record<Role, PhaseFigures>, f: (p: PhaseFigures) => number, roles: readonly Role[]) => geometricMean(roles.map((role) => f(r[role])));
  const ratio = (phase: Phase, f: (p: PhaseFigures) => number) => rounds.map((r) => pair(r[phase], f, ['B1', 'B2']) / pair(r[phase], f, ['A1', 'A2']));
  // Like against like, built as the agent's ratio is (two servers against two): any difference is the method's.
  const control = (phase: Phase, f: (p: PhaseFigures) => number) => rounds.map((r) => pair(r[phase], f, ['A2', 'B2']) / pair(r[phase], f, ['A1', 'B1']));
  const aOnly = (phase: Phase, f: (p: PhaseFigures) => number) => rounds.map((r) => f(r[phase].A2) / f(r[phase].A1));
  const perCpuSecond = (p: PhaseFigures) => 1 / p.cpuUsPerRequest;
  const all = (phase: Phase, side: 'A' | 'B', f: (p: PhaseFigures) => number) => rounds.flatMap((r) => ROLES.filter((role) => role.startsWith(side)).map((role) => f(r[phase][role])));
  return {
    rounds: rounds.length,
    throughput: percentSummary(ratio('saturated', perCpuSecond)),
    throughputControl: percentSummary(control('saturated', perCpuSecond)),
    throughputAOnly: percentSummary(aOnly('saturated', perCpuSecond)),
    throughputMainThread: percentSummary(ratio('saturated', (p) => 1 / p.mainCpuUsPerRequest)),
    requestsPerSecond: percentSummary(ratio('saturated', (p) => p.requestsPerSecond)),
    requestsPerSecondControl: percentSummary(control('saturated', (p) => p.requestsPerSecond)),
    p99: percentSummary(ratio('atFixedRate', (p) => p.p99Us)),
    p99Control: percentSummary(control('atFixedRate', (p) => p.p99Us)),
    p99AOnly: percentSummary(aOnly('atFixedRate', (p) => p.p99Us)),
    cpuPerRequestAtFixedRate: percentSummary(ratio('atFixedRate', (p) => p.cpuUsPerRequest)),
    medians: {
      requestsPerSecondWithout: median(all('saturated', 'A', (p) => p.requestsPerSecond)),
      requestsPerSecondWith: median(all('saturated', 'B', (p) => p.requestsPerSecond)),
      cpuUsPerRequestWithout: median(all('saturated', 'A', (p) => p.cpuUsPerRequest)),
      cpuUsPerRequestWith: median(all('saturated', 'B', (p) => p.cpuUsPerRequest)),
      fixedRate: median(rounds.map((r) => r.fixedRate)),
      p99MsWithout: median(all('atFixedRate', 'A', (p) => p.p99Us)) / 1000,
      p99MsWith: median(all('atFixedRate', 'B', (p) => p.p99Us)) / 1000,
      coreShare: median([...all('saturated', 'A', (p) => p.coreShare), ...all('saturated', 'B', (p) => p.coreShare)]),
    },
    errors: rounds.reduce((n, r) => n + ROLES.reduce((m, role) => m + r.saturated[role].errors + r.atFixedRate[role].errors, 0), 0),
    windowsWithoutOneObservedInterval: rounds.reduce((n, r) => n + [...r.observedInSaturated, ...r.observedInFixedRate].filter((c) => c !== 1).length, 0),
    gcsPerRequest: median(rounds.map((r) => r.gcsPerRequest)),
    gcObservedIntervalsSaturated: median(rounds.flatMap((r) => r.gcObservedInSaturated)),
    gcObservedIntervalsFixedRate: median(rounds.flatMap((r) => r.gcObservedInFixedRate)),
  };
}

/** Whether the control's interval lies within +-limit: the method can tell a difference of that size from none. */
export function controlResolves(control: RatioSummary, limit: number): boolean {
  return control.low >= -limit && control.high <= limit;
}

/** The verdicts on issue #4's bar: throughput >= -2%, p99 <= +10%. */
export function sideBySideVerdicts(s: SideBySideSummary): { throughput: Verdict; p99: Verdict } {
  return { throughput: verdict(s.throughput, -2, false), p99: verdict(s.p99, 10, true) };
}

/** The side-by-side comparison's lines: ratios with their intervals, the control, verdicts. */
export function describeSideBySide(h: SideBySideSummary): string[] {
  const v = sideBySideVerdicts(h);
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}%`;
  const ci = (r: RatioSummary) => `${pct(r.median)} [${pct(r.low)}, ${pct(r.high)}]`;
  const m = h.medians;
  return [
    `node:http hello world, side by side on one core: ${h.rounds} rounds of four fresh servers, each loaded by its own wrk; agent = B1, B2 (with the agent) against A1, A2 (without); control = A2, B2 against A1, B1 (like against like); median of per-round ratios [sign-test interval, ${(h.throughput.confidence * 100).toFixed(1)}% confidence]:`,
    `  throughput at saturation (requests per CPU-second of the server, ${PHASE_SECONDS} s, 256 connections each):`,
    `    agent   ${ci(h.throughput)}   target >= -2%: ${v.throughput}`,
    `    control ${ci(h.throughputControl)}   (${controlResolves(h.throughputControl, 2) ? 'within' : 'NOT within'} +-2%: the method ${controlResolves(h.throughputControl, 2) ? 'resolves' : 'does not resolve'} the target); A2/A1 alone ${ci(h.throughputAOnly)}`,
    `    CPU per request without ${m.cpuUsPerRequestWithout.toFixed(2)} us, with ${m.cpuUsPerRequestWith.toFixed(2)} us; main thread alone: agent ${ci(h.throughputMainThread)}`,
    `    requests per wall second without ${Math.round(m.requestsPerSecondWithout)}, with ${Math.round(m.requestsPerSecondWith)}: agent ${ci(h.requestsPerSecond)}, control ${ci(h.requestsPerSecondControl)} (these also carry the scheduler's share of the core; each server had ${(m.coreShare * 100).toFixed(0)}% of it)`,
    `  p99 latency at the same rate (${Math.round(m.fixedRate)} req/s each, ${FIXED_RATE_CORE_SHARE * 100}% of what a core serves without the agent, ${PHASE_SECONDS} s):`,
    `    agent   ${ci(h.p99)}   target <= +10%: ${v.p99}   (without ${m.p99MsWithout.toFixed(2)} ms, with ${m.p99MsWith.toFixed(2)} ms)`,
    `    control ${ci(h.p99Control)}   (${controlResolves(h.p99Control, 10) ? 'within' : 'NOT within'} +-10%: the method ${controlResolves(h.p99Control, 10) ? 'resolves' : 'does not resolve'} the target); A2/A1 alone ${ci(h.p99AOnly)}`,
    `    CPU per request at that rate: agent ${ci(h.cpuPerRequestAtFixedRate)} (the agent's per-second work weighs most at a low rate)`,
    `  per round, agent:   throughput ${h.throughput.rounds.map(pct).join(' ')}; p99 ${h.p99.rounds.map(pct).join(' ')}`,
    `  per round, control: throughput ${h.throughputControl.rounds.map(pct).join(' ')}; p99 ${h.p99Control.rounds.map(pct).join(' ')}`,
    h.windowsWithoutOneObservedInterval === 0
      ? `  each agent observed HTTP for exactly one report interval in every window (1 in 20, as configured); ${h.gcsPerRequest.toFixed(5)} GCs per request`
      : `  WARNING: ${h.windowsWithoutOneObservedInterval} agent windows did not hold exactly one observed HTTP interval (report timing drifted): the HTTP observation's weight is off`,
    `  GCs observed (every GC of a report interval) in a median ${h.gcObservedIntervalsSaturated} of the ~${PHASE_SECONDS} intervals of a saturated window, ${h.gcObservedIntervalsFixedRate} at the fixed rate (GC sampling: one in 20 once a server collects often)`,
    ...(h.errors > 0 ? [`  wrk counted ${h.errors} failed requests (10 s timeouts or resets) over all servers and rounds`] : []),
  ];
}
