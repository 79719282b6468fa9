/**
 * The live path end to end: a real Monitor (worker thread sampling /proc) with a real AgentServer,
 * real Node programs with the agent injected, and a LeakWatch on top. The trend parameters are
 * shortened (1 s buckets, no start-up allowance) so that a run takes seconds, not minutes; the
 * decision rules are the defaults'.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { AgentServer } from '../../../src/monitor/agents/AgentServer';
import { LeakWatch, type LeakVerdictChange } from '../../../src/monitor/leaks/LeakWatch';
import { Monitor } from '../../../src/monitor/Monitor';
import { assertAgentBuilt, nextEvent, ProgramDirectory } from '../agent/agentPrograms';

const WORKER = join(__dirname, '../../../../dist/monitorWorker.js');

describe('LeakWatch on a live Monitor with the Node agent', function () {
  this.timeout(60_000);
  let server: AgentServer;
  let monitor: Monitor;
  let programs: ProgramDirectory;
  let watch: LeakWatch;

  before(() => assertAgentBuilt());
  beforeEach(async () => {
    server = await AgentServer.listen();
    monitor = new Monitor({ intervalMs: 500, historyMinutes: 1, workerScript: WORKER, agents: server });
    programs = new ProgramDirectory();
    watch = new LeakWatch(monitor, { trend: { bucketSeconds: 1, windowBuckets: 20, minBuckets: 6, startupSeconds: 0 } });
  });
  afterEach(() => {
    watch.dispose();
    monitor.dispose();
    programs.dispose();
    server.dispose();
  });

  it('reports the timer leak of a leaking program and nothing for an idle one watched alongside', async () => {
    const leaky = programs.start(programs.write('timers.js', 'setInterval(() => { const kept = "k".repeat(100); setInterval(() => kept.length, 1000); }, 200);'), true, server.environment());
    const idle = programs.start(programs.write('idle.js', 'setInterval(() => undefined, 1000);'), true, server.environment());
    monitor.setRoots('test', [leaky.pid!, idle.pid!]);
    const changes: LeakVerdictChange[] = [];
    watch.onDidChangeVerdict((c) => changes.push(c));

    const leak = await nextEvent(watch.onDidChangeVerdict, (c) => c.pid === leaky.pid && c.verdict.state === 'leak', 45_000);
    assert.equal(leak.verdict.signal, 'handles:Timeout');
    assert.equal(leak.verdict.kind, 'handles');
    // About 5 timers a second are started and never cleared.
    assert.ok(leak.verdict.rateLow <= 5 && leak.verdict.rateHigh >= 3, `rate ${leak.verdict.rate} [${leak.verdict.rateLow}, ${leak.verdict.rateHigh}]`);
    assert.deepEqual(changes.filter((c) => c.pid === idle.pid && c.verdict.state === 'leak'), []);
    const idleKey = monitor.get(idle.pid!)!.key;
    assert.ok(watch.verdicts(idleKey).some((v) => v.signal === 'heapUsed'), 'the idle program has agent signals');
    assert.deepEqual(watch.leaking().map((p) => p.pid), [leaky.pid]);
  });

  it('projects the time to V8\'s heap limit, which the agent\'s hello reports, for a heap leak', async () => {
    // About 1 MB/s of arrays kept for good, under a 96 MB heap limit.
    const leaky = programs.start(
      programs.write('heap.js', 'const kept = []; setInterval(() => { for (let i = 0; i < 5; i++) kept.push(new Array(25000).fill(i + 0.5)); }, 1000);'),
      true,
      server.environment(),
      ['--max-old-space-size=96'],
    );
    monitor.setRoots('test', [leaky.pid!]);
    const leak = await nextEvent(watch.onDidChangeVerdict, (c) => c.pid === leaky.pid && c.verdict.kind === 'heap' && c.verdict.state === 'leak', 50_000);
    const limit = monitor.get(leaky.pid!)?.agent?.hello.heapSizeLimit;
    assert.ok(limit !== undefined && limit > 90 * 2 ** 20 && limit < 150 * 2 ** 20, `heap limit from the hello: ${limit}`);
    const seconds = leak.verdict.secondsToLimit;
    // From ~10 MB at ~1 MB/s to ~100 MB: a minute or two; the exact figure depends on the machine's pace.
    assert.ok(seconds !== undefined && seconds > 10 && seconds < 1000, `seconds to the limit: ${seconds} (rate ${leak.verdict.rate} B/s, ${leak.verdict.signal})`);
  });
});
