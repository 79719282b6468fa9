import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import type { AgentReport } from '../../../src/agent/agentProtocol';
import { GC_SAMPLE_EVERY } from '../../../src/agent/GcObservationSchedule';
import { AgentServer } from '../../../src/monitor/agents/AgentServer';
import { ProgramDirectory, assertAgentBuilt, nextEvent } from './agentPrograms';

/** Reports four times a second, so a sampling cycle (GC_SAMPLE_EVERY intervals) takes 5 s; the GC rate thresholds are per second, so unchanged. */
const REPORT_INTERVAL_MS = 250;

/**
 * A program that counts its own GCs (the truth) with a PerformanceObserver of its own. Idle until
 * SIGUSR2; then it allocates garbage in chunks (yielding between them, as a server does) at one of
 * two paces (env PACE), `heavy` (as fast as it can: hundreds of scavenges a second) or `light` (a
 * small chunk every 100 ms: one or two scavenges a second); at the next SIGUSR2 it stops and prints
 * what it counted while allocating. SIGUSR1 runs a major GC (--expose-gc) and prints the used heap
 * right after it.
 */
const COUNTING_PROGRAM = `
const { PerformanceObserver } = require('perf_hooks');
const v8 = require('v8');
const pace = process.env.PACE;
const counts = { minor: 0, major: 0 };
let counting = false;
new PerformanceObserver((list) => {
  if (!counting) return;
  for (const e of list.getEntries()) {
    if (e.detail.kind === 4) counts.major++;
    else if (e.detail.kind === 1 || e.detail.kind === 2) counts.minor++;
  }
}).observe({ entryTypes: ['gc'] });
setInterval(() => {}, 1000);
// A short ring keeps the objects from being optimized away, and so few alive that almost nothing is
// promoted: the old generation does not grow, so the program has no major GC but those it asks for.
const keep = new Array(16);
let n = 0, allocating = false;
function chunk() {
  if (!allocating) return;
  for (let i = 0; i < (pace === 'heavy' ? 20000 : 1500); i++) keep[n++ % 16] = { a: n, b: [n, n + 1], c: 'k' + (n & 1023) };
  if (pace === 'heavy') setImmediate(chunk); else setTimeout(chunk, 100);
}
process.on('SIGUSR2', () => {
  if (!allocating) {
    counting = allocating = true;
    chunk();
    return;
  }
  allocating = false;
  // The observer's callback runs in a later task: let the last entries arrive.
  setTimeout(() => { counting = false; console.log(JSON.stringify({ type: 'counts', ...counts })); }, 300);
});
process.on('SIGUSR1', () => {
  global.gc();
  console.log(JSON.stringify({ type: 'afterGc', used: v8.getHeapStatistics().used_heap_size }));
});
`;

interface CountsLine {
  readonly minor: number;
  readonly major: number;
}

describe('agent GC sampling in real Node programs', function () {
  this.timeout(60_000);
  let server: AgentServer;
  let programs: ProgramDirectory;

  before(() => assertAgentBuilt());
  beforeEach(async () => {
    server = await AgentServer.listen({ reportIntervalMs: REPORT_INTERVAL_MS });
    programs = new ProgramDirectory();
  });
  afterEach(() => {
    programs.dispose();
    server.dispose();
  });

  /** Every report of pid from now on, in order. */
  const collectReports = (pid: number): AgentReport[] => {
    const reports: AgentReport[] = [];
    server.onDidReport((e) => {
      if (e.agent.hello.pid === pid) reports.push(e.report);
    });
    return reports;
  };
  const reportFrom = (pid: number, predicate: (r: AgentReport) => boolean) =>
    nextEvent(server.onDidReport, (e) => e.agent.hello.pid === pid && predicate(e.report), 30_000).then((e) => e.report);
  const lineFrom = <T>(child: ChildProcess, type: string): Promise<T> =>
    new Promise((resolve) => {
      let text = '';
      const onData = (b: Buffer) => {
        text += b.toString();
        for (const line of text.split('\n').slice(0, -1)) {
          const parsed = JSON.parse(line) as { type: string };
          if (parsed.type === type) {
            child.stdout!.off('data', onData);
            resolve(parsed as T);
          }
        }
        text = text.slice(text.lastIndexOf('\n') + 1);
      };
      child.stdout!.on('data', onData);
    });

  /** Starts the program (idle) and returns it with its agent's reports from its first one on. */
  async function startProgram(pace: 'heavy' | 'light'): Promise<{ child: ChildProcess; reports: AgentReport[] }> {
    const file = programs.write(`${pace}.js`, COUNTING_PROGRAM);
    const connected = nextEvent(server.onDidConnect);
    const child = programs.start(file, true, { ...server.environment(), PACE: pace }, ['--expose-gc']);
    const reports = collectReports(child.pid!);
    assert.equal((await connected).hello.pid, child.pid);
    await reportFrom(child.pid!, () => true);
    return { child, reports };
  }

  /** Allocates from now until `until` says enough; returns the program's counts and the agent's GCs over the same time (baseline before, settled after). */
  async function allocate(child: ChildProcess, reports: AgentReport[], until: () => Promise<unknown>): Promise<{ truth: CountsLine; agent: CountsLine; during: AgentReport[] }> {
    const baseline = reports[reports.length - 1]!;
    child.kill('SIGUSR2');
    await until();
    const counts = lineFrom<CountsLine>(child, 'counts');
    child.kill('SIGUSR2');
    const truth = await counts;
    // Idle again, the program's estimated rate falls below the bound and every GC is observed again:
    // two observed intervals after its line, and the agent's figures hold everything up to it.
    const printedAt = reports[reports.length - 1]!.seq;
    let observedAfter = 0;
    const settled = await reportFrom(child.pid!, (r) => r.seq > printedAt && r.gcSampling?.intervalObserved !== false && ++observedAfter === 2);
    const during = reports.filter((r) => r.seq > baseline.seq && r.seq <= settled.seq);
    return {
      truth,
      agent: { minor: settled.gc.minor.count - baseline.gc.minor.count, major: settled.gc.major.count - baseline.gc.major.count },
      during,
    };
  }

  it('observes every GC of a program that collects once or twice a second', async () => {
    const { child, reports } = await startProgram('light');
    const start = reports.length;
    const { truth, agent, during } = await allocate(child, reports, () => reportFrom(child.pid!, () => reports.length - start >= 24));
    assert.ok(truth.minor >= 3, `the light program collected (${truth.minor} scavenges)`);
    assert.ok(during.every((r) => r.gcSampling === undefined), 'no report says it sampled');
    // The same GCs, give or take one at either end (the program counts from its signal, the agent from a report).
    assert.ok(Math.abs(agent.minor - truth.minor) <= 2, `agent ${agent.minor} scavenges, program ${truth.minor}`);
  });

  it('samples the GCs of a program that collects hundreds of times a second, and estimates their count', async () => {
    const { child, reports } = await startProgram('heavy');
    // Until the agent has sampled, observed one interval again, and gone on estimating after it.
    let phase = 0;
    const { truth, agent, during } = await allocate(child, reports, () =>
      reportFrom(child.pid!, (r) => {
        const observed = r.gcSampling?.intervalObserved;
        if (phase === 0 && observed === false) phase = 1;
        else if (phase === 1 && observed === true) phase = 2;
        else if (phase === 2 && observed === false) phase = 3;
        return phase === 3;
      }),
    );
    const unobserved = during.filter((r) => r.gcSampling?.intervalObserved === false).length;
    assert.ok(unobserved >= GC_SAMPLE_EVERY - 1, `${unobserved} of ${during.length} intervals unobserved`);
    const last = during[during.length - 1]!;
    assert.ok(last.gcSampling!.observedFraction > 0 && last.gcSampling!.observedFraction < 1);
    assert.ok(truth.minor > 200, `the heavy program collected (${truth.minor} scavenges)`);
    // Estimated from one observed interval in GC_SAMPLE_EVERY, per ms of busy event loop: the
    // program's pace is steady, so the estimate is near the truth (a quarter off would be wrong).
    const error = agent.minor / truth.minor - 1;
    assert.ok(Math.abs(error) < 0.25, `agent ${agent.minor} scavenges, program ${truth.minor} (${(error * 100).toFixed(1)}%)`);
  });

  it('detects the major GCs it does not observe and measures the heap after each', async () => {
    const { child, reports } = await startProgram('heavy');
    child.kill('SIGUSR2');
    await reportFrom(child.pid!, (r) => r.gcSampling?.intervalObserved === false);
    // Major GCs while sampled: the agent counts each (none is estimated) and reads the heap after it.
    const checked: Array<{ truth: number; agent: number }> = [];
    while (checked.length < 3) {
      const before = reports[reports.length - 1]!;
      const line = lineFrom<{ used: number }>(child, 'afterGc');
      child.kill('SIGUSR1');
      const { used } = await line;
      const after = await reportFrom(child.pid!, (r) => r.seq > before.seq && r.gc.major.count > before.gc.major.count);
      // The odd one falls in an observed interval; only unobserved ones are this test's.
      if (after.gcSampling?.intervalObserved !== false) continue;
      assert.equal(after.gc.major.count, before.gc.major.count + 1, 'one major GC, counted once');
      checked.push({ truth: used, agent: after.heapAfterGc! });
    }
    // Read like the observer does: the old generation in a later task, off by what a few scavenges promoted since.
    for (const c of checked) assert.ok(Math.abs(c.agent - c.truth) < 1024 * 1024, `heap after GC ${c.agent}, used right after gc() ${c.truth}`);
  });

  it('observes every GC while a user looks closely at the process (fine detail)', async () => {
    const { child, reports } = await startProgram('heavy');
    assert.equal(server.setDetail(child.pid!, true), true);
    await reportFrom(child.pid!, (r) => r.fineDetail);
    const start = reports.length;
    const { truth, agent, during } = await allocate(child, reports, () => reportFrom(child.pid!, () => reports.length - start >= 2 * GC_SAMPLE_EVERY));
    assert.ok(during.every((r) => r.gcSampling === undefined), 'no report says it sampled');
    assert.ok(truth.minor > 200, `the heavy program collected (${truth.minor} scavenges)`);
    assert.ok(Math.abs(agent.minor - truth.minor) <= 2, `agent ${agent.minor} scavenges, program ${truth.minor}`);
  });
});
