import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AGENT_ENDPOINT_ENV, AGENT_LAUNCH_TOKEN_ENV, AGENT_SECRET_ENV, AGENT_TRACK_HANDLES_ENV, type AgentReport } from '../../../src/agent/agentProtocol';
import { CONNECT_GRACE_MS } from '../../../src/agent/agent';
import { AgentServer, type AgentConnectionInfo, type AgentServerWarning } from '../../../src/monitor/agents/AgentServer';
import { nodeOptionsWithAgent } from '../../../src/monitor/agents/agentNodeOptions';
import { AGENT_BUNDLE, ProgramDirectory, assertAgentBuilt, median, nextEvent } from './agentPrograms';

/** A program that stays alive (a ref'd interval) until killed. */
const LONG_RUNNING = `setInterval(() => {}, 1000);\n`;

describe('agent in real Node programs', function () {
  this.timeout(60_000);
  let server: AgentServer;
  let programs: ProgramDirectory;
  let warnings: AgentServerWarning[];

  before(() => assertAgentBuilt());
  beforeEach(async () => {
    server = await AgentServer.listen();
    warnings = [];
    server.onWarning((w) => warnings.push(w));
    programs = new ProgramDirectory();
  });
  afterEach(() => {
    programs.dispose();
    server.dispose();
  });

  const reportFrom = (pid: number, predicate: (r: AgentReport) => boolean = () => true) =>
    nextEvent(server.onDidReport, (e) => e.agent.hello.pid === pid && predicate(e.report)).then((e) => e.report);

  it('says hello and reports vitals at about 1 Hz', async () => {
    const file = programs.write('idle.js', LONG_RUNNING);
    const hello = nextEvent(server.onDidConnect);
    const child = programs.start(file, true, server.environment());
    const info = await hello;
    assert.equal(info.hello.pid, child.pid);
    assert.equal(info.hello.ppid, process.pid);
    assert.equal(info.hello.isMainThread, true);
    assert.equal(info.hello.threadId, 0);
    assert.equal(info.hello.argv[1], file);
    assert.equal(info.hello.cwd, programs.path);
    assert.equal(info.hello.nodeVersion, process.version);
    assert.ok(Math.abs(info.hello.startTime - Date.now()) < 60_000);
    assert.equal((info.hello as unknown as Record<string, unknown>).secret, undefined, 'the secret is not kept');
    const first = await reportFrom(child.pid!);
    const second = await reportFrom(child.pid!, (r) => r.seq > first.seq);
    assert.ok(second.memory.heapUsed > 0 && second.memory.rss >= second.memory.heapUsed);
    assert.ok(second.intervalMs > 500 && second.intervalMs < 5000, `interval ${second.intervalMs}`);
    assert.equal(second.activeResources.Timeout, 1, 'the program\'s interval; the agent\'s own timer is unref\'d');
    assert.equal(server.get(child.pid!)?.latest?.seq, second.seq);
    // Start-up keeps the loop busy for a moment; once idle, no delay histogram runs (no extra wake-ups).
    const idle = await reportFrom(child.pid!, (r) => r.eventLoopUtilization < 0.02 && r.seq > second.seq);
    const after = await reportFrom(child.pid!, (r) => r.seq > idle.seq);
    assert.equal(after.eventLoopDelay.source, 'timer');
  });

  it('reports HTTP server requests, latency and status classes from diagnostics_channel', async () => {
    const file = programs.write(
      'http.js',
      `const http = require('http');
       const server = http.createServer((req, res) => { res.statusCode = req.url === '/missing' ? 404 : 200; res.end('x'); });
       server.listen(0, '127.0.0.1', async () => {
         await new Promise((r) => setTimeout(r, 400));
         const agent = new http.Agent({ keepAlive: true });
         for (let i = 0; i < 30; i++) {
           await new Promise((r) => http.get({ port: server.address().port, host: '127.0.0.1', agent, path: i % 3 ? '/' : '/missing' }, (res) => { res.resume(); res.on('end', r); }));
         }
       });`,
    );
    const child = programs.start(file, true, server.environment());
    // Every interval is observed while a user looks closely (fine detail); otherwise HTTP is sampled.
    const connected = nextEvent(server.onDidConnect, (i) => i.hello.pid === child.pid);
    void connected.then(() => server.setDetail(child.pid!, true));
    const totals = { requests: 0, s2: 0, s4: 0 };
    const seen = new Set<number>();
    await nextEvent(server.onDidReport, (e) => {
      if (e.agent.hello.pid !== child.pid || !e.report.http) return false;
      // Between observations the newest one is repeated: count each observation once.
      const observedAt = e.report.http.observedAt ?? e.report.seq;
      if (seen.has(observedAt)) return false;
      seen.add(observedAt);
      totals.requests += e.report.http.requests;
      totals.s2 += e.report.http.status2xx;
      totals.s4 += e.report.http.status4xx;
      assert.ok(e.report.http.latencyP99Ms >= e.report.http.latencyP50Ms);
      return totals.requests >= 30;
    });
    assert.deepEqual(totals, { requests: 30, s2: 20, s4: 10 });
  });

  it('samples HTTP when nobody looks closely: it observes until the first requests, then repeats that observation', async () => {
    const file = programs.write(
      'http-sampled.js',
      `const http = require('http');
       const server = http.createServer((req, res) => res.end('x'));
       server.listen(0, '127.0.0.1', () => {
         const agent = new http.Agent({ keepAlive: true });
         const hit = () => http.get({ port: server.address().port, host: '127.0.0.1', agent }, (res) => { res.resume(); res.on('end', () => setTimeout(hit, 20)); });
         hit();
       });`,
    );
    const child = programs.start(file, true, server.environment());
    const observations: Array<{ observedAt: number | undefined; requests: number }> = [];
    await nextEvent(server.onDidReport, (e) => {
      if (e.agent.hello.pid !== child.pid || !e.report.http) return false;
      observations.push({ observedAt: e.report.http.observedAt, requests: e.report.http.requests });
      return observations.length >= 4;
    });
    assert.ok(observations[0].requests > 0, 'the first interval with requests is observed');
    assert.ok(observations.every((o) => o.observedAt !== undefined));
    // The next reports repeat the first observation rather than observing again.
    assert.equal(new Set(observations.slice(1).map((o) => o.observedAt)).size, 1);
  });

  it('says its heap size limit and its debug launch token in its hello', async () => {
    const file = programs.write('limit.js', LONG_RUNNING);
    const hello = nextEvent(server.onDidConnect);
    const token = 'Launch-token_0123456789ab';
    programs.start(file, true, { ...server.environment(), [AGENT_LAUNCH_TOKEN_ENV]: token }, ['--max-old-space-size=96']);
    const info = await hello;
    assert.equal(info.hello.launchToken, token);
    // The limit V8 derives from --max-old-space-size: the old space plus the young generation.
    const limit = info.hello.heapSizeLimit!;
    assert.ok(limit >= 96 * 2 ** 20 && limit < 160 * 2 ** 20, `heap size limit ${limit}`);
  });

  it('says hello with a command line too long for the first frame, shortened to fit, and is accepted', async () => {
    const file = programs.write('long-argv.js', LONG_RUNNING);
    const hello = nextEvent(server.onDidConnect);
    // 60 arguments of 1 KB: 60 KB of command line against the server's 32 KB limit on a first frame.
    const args = Array.from({ length: 60 }, (_, i) => `--item-${i}=${'x'.repeat(1000)}`);
    programs.start(file, true, server.environment(), [], args);
    const info = await hello;
    assert.equal(info.hello.argv[1], file);
    assert.ok(info.hello.argv[2]!.startsWith('--item-0=xxx'), info.hello.argv[2]);
    assert.ok(info.hello.argv.every((a) => a.length <= 256), 'entries shortened');
    assert.deepEqual(warnings, []);
  });

  it('reports the used heap right after a major GC, not what the program allocated after it', async () => {
    // After an explicit GC the program allocates and keeps ~15 MB at once, before any callback can run; a
    // 64 MB young generation holds all of it, so no further GC (which would rightly move the figure) runs.
    const file = programs.write(
      'after-gc.js',
      `const v8 = require('v8');
       let kept = [];
       setInterval(() => {}, 1000);
       process.on('SIGUSR2', () => {
         kept = [];
         for (let i = 0; i < 200000; i++) kept.push({ i, s: 'x'.repeat(8) + i });
         kept = [];
         global.gc();
         const truth = v8.getHeapStatistics().used_heap_size;
         for (let i = 0; i < 200000; i++) kept.push({ i, a: [i, i + 1, i + 2] });
         console.log(JSON.stringify({ truth, now: v8.getHeapStatistics().used_heap_size }));
       });`,
    );
    const connected = nextEvent(server.onDidConnect);
    const child = programs.start(file, true, server.environment(), ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64']);
    await connected;
    await reportFrom(child.pid!);
    const line = new Promise<{ truth: number; now: number }>((resolve) => child.stdout!.once('data', (b: Buffer) => resolve(JSON.parse(b.toString()))));
    child.kill('SIGUSR2');
    const { truth, now } = await line;
    assert.ok(now - truth > 8 * 2 ** 20, `the burst after the GC is large (${now - truth} bytes)`);
    const report = await reportFrom(child.pid!, (r) => r.heapAfterGc !== null && r.gc.major.count > 0);
    // The old generation read in the observer's callback: exact but for large objects allocated
    // before it runs (here the growing array's backing store, in large-object space: ~0.3 MB).
    assert.ok(Math.abs(report.heapAfterGc! - truth) < 1024 * 1024, `heap after GC ${report.heapAfterGc}, used right after gc() ${truth}`);
  });

  it('reports a worker thread over its own connection, as a worker', async () => {
    const file = programs.write(
      'worker.js',
      `const { Worker } = require('worker_threads');
       new Worker('setInterval(() => {}, 1000)', { eval: true });
       setInterval(() => {}, 1000);`,
    );
    const worker = nextEvent(server.onDidConnect, (i) => !i.hello.isMainThread);
    const main = nextEvent(server.onDidConnect, (i) => i.hello.isMainThread);
    const child = programs.start(file, true, server.environment());
    const [w, m] = await Promise.all([worker, main]);
    assert.equal(w.hello.pid, child.pid);
    assert.equal(m.hello.pid, child.pid);
    assert.ok(w.hello.threadId >= 1);
    assert.equal(server.get(child.pid!, w.hello.threadId)?.hello.isMainThread, false);
    await nextEvent(server.onDidReport, (e) => e.agent.key === w.key);
  });

  it('refuses an agent with a wrong secret, and the program never notices', async () => {
    const file = programs.write('refused.js', `setTimeout(() => console.log('done'), 700);`);
    let connected = false;
    server.onDidConnect(() => (connected = true));
    const dropped = nextEvent(server.onWarning, (w) => /wrong secret/.test(w.message));
    const run = await programs.run(file, true, { ...server.environment(), [AGENT_SECRET_ENV]: 'not-the-secret' });
    await dropped;
    assert.equal(connected, false);
    assert.equal(run.code, 0);
    assert.equal(run.stdout.toString(), 'done\n');
    assert.equal(run.stderr.length, 0);
  });

  it('loads the agent proper later when it could not be loaded at first (dist/ being rebuilt), and connects', async () => {
    // A copy of the loader whose agentCore.js is missing until the loader has tried once.
    const loader = programs.write('agent.js', readFileSync(AGENT_BUNDLE, 'utf8'));
    // This timer is armed after the loader's and is longer, so it fires after the loader's attempt.
    const file = programs.write('late-core.js', `setTimeout(() => console.log('past grace'), ${CONNECT_GRACE_MS + 100}); setInterval(() => {}, 1000);`);
    const connected = nextEvent(server.onDidConnect);
    const child = programs.start(file, false, { ...server.environment(), NODE_OPTIONS: nodeOptionsWithAgent(loader, undefined) });
    await new Promise<void>((resolve) => child.stdout!.on('data', (b: Buffer) => b.toString().includes('past grace') && resolve()));
    programs.write('agentCore.js', readFileSync(join(dirname(AGENT_BUNDLE), 'agentCore.js'), 'utf8'));
    assert.equal((await connected).hello.pid, child.pid);
  });

  it('stays dormant without an endpoint: no socket, no networking module loaded, no output', async () => {
    const file = programs.write(
      'dormant.js',
      `setTimeout(() => {
         const loaded = process.moduleLoadList.filter((m) => /^NativeModule (net|perf_hooks|inspector|v8)$/.test(m));
         console.log(JSON.stringify({ loaded, resources: process.getActiveResourcesInfo() }));
       }, 500);`,
    );
    const withAgent = await programs.run(file, true, {});
    const without = await programs.run(file, false, {});
    assert.equal(withAgent.stdout.toString(), without.stdout.toString());
    assert.deepEqual(JSON.parse(withAgent.stdout.toString()).loaded, []);
    assert.equal(withAgent.stderr.length, 0);
  });

  describe('never changes what the program prints, its exit code or when it exits', () => {
    const cases: Array<{ name: string; source: string; nodeArgs?: string[]; counts?: Partial<AgentReport> }> = [
      {
        name: 'prints and ends normally',
        source: `setTimeout(() => { console.log('out ' + 'x'.repeat(100000)); console.error('err line'); process.stdout.write(Buffer.from([0, 1, 2, 255])); }, 400);`,
      },
      { name: 'sets an exit code', source: `setTimeout(() => { console.log('bye'); process.exitCode = 3; }, 400);` },
      {
        name: 'throws an uncaught exception',
        source: `setTimeout(() => { throw new TypeError('boom'); }, 400);`,
        counts: { uncaughtExceptions: 1 },
      },
      {
        name: 'has an unhandled rejection (exit code 1, same stderr)',
        source: `setTimeout(() => { Promise.reject(new Error('rejected')); }, 400);`,
        counts: { unhandledRejections: 1 },
      },
      {
        name: 'handles its own rejections (keeps running, its handler sees them)',
        source: `let seen = 0;
          process.on('unhandledRejection', () => seen++);
          setTimeout(() => { Promise.reject(new Error('a')); Promise.reject(new Error('b')); }, 400);
          setTimeout(() => { console.log('seen', seen, process.listenerCount('unhandledRejection') > 0); }, 700);`,
        counts: { unhandledRejections: 2 },
      },
      {
        name: 'runs in --unhandled-rejections=warn mode',
        source: `setTimeout(() => { Promise.reject(new Error('warned')); }, 400); setTimeout(() => console.log('still here'), 700);`,
        nodeArgs: ['--unhandled-rejections=warn'],
        counts: { unhandledRejections: 1 },
      },
      {
        name: 'calls process.exit from an exit path with pending timers',
        source: `setInterval(() => {}, 50); setTimeout(() => { console.log('exit 7'); process.exit(7); }, 400);`,
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const file = programs.write(`${c.name.replace(/\W+/g, '-')}.js`, c.source);
        const observed = { uncaughtExceptions: 0, unhandledRejections: 0 };
        server.onDidReportError((e) => {
          if (e.error.kind === 'uncaughtException') observed.uncaughtExceptions++;
          else observed.unhandledRejections++;
        });
        const connected: AgentConnectionInfo[] = [];
        server.onDidConnect((i) => connected.push(i));
        const without = await programs.run(file, false, server.environment(), c.nodeArgs);
        const withAgent = await programs.run(file, true, server.environment(), c.nodeArgs);
        assert.equal(connected.length, 1, 'the agent connected (the program lives longer than the grace delay)');
        assert.equal(withAgent.code, without.code);
        assert.equal(withAgent.signal, without.signal);
        assert.ok(withAgent.stdout.equals(without.stdout), 'stdout is byte-identical');
        // Warnings carry the pid: "(node:1234) ..."; everything else must match byte for byte.
        const normalize = (b: Buffer) => b.toString('latin1').replace(/\(node:\d+\)/g, '(node:PID)');
        assert.equal(normalize(withAgent.stderr), normalize(without.stderr));
        if (c.counts) {
          await new Promise((r) => setTimeout(r, 100)); // frames sent just before exit are still in flight
          assert.deepEqual(observed, { uncaughtExceptions: 0, unhandledRejections: 0, ...c.counts });
        }
      });
    }
  });

  it('lets a program whose work ends exit when it would without the agent (ratio of medians)', async () => {
    const file = programs.write('ends.js', `let n = 0; const t = setInterval(() => { if (++n === 8) clearInterval(t); }, 50);`);
    const withTimes: number[] = [];
    const withoutTimes: number[] = [];
    for (let round = 0; round < 5; round++) {
      withoutTimes.push((await programs.run(file, false, server.environment())).wallMs);
      withTimes.push((await programs.run(file, true, server.environment())).wallMs);
    }
    const ratio = median(withTimes) / median(withoutTimes);
    assert.ok(ratio < 1.25, `with agent ${median(withTimes).toFixed(0)} ms, without ${median(withoutTimes).toFixed(0)} ms, ratio ${ratio.toFixed(2)}`);
    assert.ok(server.agents().length === 0);
  });

  it('reconnects when the server comes back on the same endpoint (extension host reload)', async () => {
    const { [AGENT_ENDPOINT_ENV]: endpoint, [AGENT_SECRET_ENV]: secret } = server.environment();
    const file = programs.write('reconnect.js', LONG_RUNNING);
    const first = nextEvent(server.onDidConnect);
    const child = programs.start(file, true, server.environment());
    assert.equal((await first).hello.pid, child.pid);
    server.dispose();
    server = await AgentServer.listen({ endpoint, secret });
    const again = await nextEvent(server.onDidConnect);
    assert.equal(again.hello.pid, child.pid);
    await nextEvent(server.onDidReport, (e) => e.agent.hello.pid === child.pid);
  });

  it('switches to a fine event-loop delay histogram on request', async () => {
    const file = programs.write('fine.js', LONG_RUNNING);
    const child = programs.start(file, true, server.environment());
    await nextEvent(server.onDidConnect);
    assert.equal(server.setDetail(child.pid!, true), true);
    const report = await reportFrom(child.pid!, (r) => r.fineDetail && r.eventLoopDelay.source === 'histogram');
    assert.equal(report.eventLoopDelay.resolutionMs, 20);
    assert.ok(report.eventLoopDelay.samples > 10);
    server.setDetail(child.pid!, false);
    await reportFrom(child.pid!, (r) => !r.fineDetail && r.eventLoopDelay.source === 'timer');
  });

  it('writes a heap snapshot, a CPU profile and a heap profile where it is told, announcing each cost', async () => {
    const file = programs.write('profiled.js', `const keep = []; setInterval(() => { keep.push({ n: keep.length }); if (keep.length > 1e4) keep.length = 0; }, 5);`);
    const child = programs.start(file, true, server.environment());
    await nextEvent(server.onDidConnect);
    const estimates: string[] = [];
    const onAccepted = (e: { note: string }) => estimates.push(e.note);
    const snapshot = await server.takeHeapSnapshot(child.pid!, join(programs.path, 'a.heapsnapshot'), { onAccepted });
    assert.ok(statSync(snapshot.path).size > 100_000 && snapshot.bytes === statSync(snapshot.path).size);
    const cpu = await server.takeCpuProfile(child.pid!, 0.5, join(programs.path, 'a.cpuprofile'), { onAccepted });
    assert.ok(Array.isArray(JSON.parse(readFileSync(cpu.path, 'utf8')).nodes));
    const heap = await server.takeHeapProfile(child.pid!, 0.5, join(programs.path, 'a.heapprofile'), { onAccepted });
    assert.ok(JSON.parse(readFileSync(heap.path, 'utf8')).head);
    assert.equal(estimates.length, 3);
    assert.match(estimates[0], /freezes/);
    // A path the extension did not mean (wrong extension) is refused by the agent's validator: it drops the connection.
    await assert.rejects(server.takeHeapSnapshot(child.pid!, join(programs.path, 'evil.txt')));
    assert.equal(existsSync(join(programs.path, 'evil.txt')), false);
  });

  it('tracks handles and timers with creation stacks, and counts the ones created before tracking', async () => {
    const file = programs.write(
      'handles.js',
      `setInterval(() => {}, 1000); // created before tracking: no stack
       require('net').createServer().listen(0);
       (function rearm() { setTimeout(rearm, 100); })(); // a fresh timer every 100 ms`,
    );
    const child = programs.start(file, true, server.environment());
    await nextEvent(server.onDidConnect);
    const before = await server.reportHandles(child.pid!);
    assert.equal(before.tracking, false);
    assert.equal(before.handles.length, 0);
    assert.ok((before.untracked.Timeout ?? 0) >= 2, JSON.stringify(before.untracked));
    await server.startHandleTracking(child.pid!);
    await new Promise((r) => setTimeout(r, 400));
    const report = await server.reportHandles(child.pid!);
    assert.equal(report.tracking, true);
    assert.match(report.note, /before tracking began have no creation stack/);
    const rearmed = report.handles.find((h) => h.type === 'Timeout' && h.timerDelayMs === 100);
    assert.ok(rearmed, JSON.stringify(report.handles));
    assert.equal(rearmed.stack[0].file, file);
    assert.equal(rearmed.stack[0].functionName, 'rearm');
    assert.equal(report.untracked.TCPServerWrap, 1);
    assert.equal(report.untracked.Timeout, 1, 'the interval created before tracking');
    await server.stopHandleTracking(child.pid!);
    assert.equal((await server.reportHandles(child.pid!)).tracking, false);
  });

  it('tracks from the start with PROCESS_VITALS_AGENT_TRACK_HANDLES=1: every handle has its stack', async () => {
    const file = programs.write('tracked.js', `function makeTimer() { return setInterval(() => {}, 4321); }\nmakeTimer();\n`);
    const child = programs.start(file, true, { ...server.environment(), [AGENT_TRACK_HANDLES_ENV]: '1' });
    const info = await nextEvent(server.onDidConnect);
    assert.equal(info.hello.trackingHandlesFromStart, true);
    const report = await server.reportHandles(child.pid!);
    const timer = report.handles.find((h) => h.type === 'Timeout' && h.timerDelayMs === 4321);
    assert.ok(timer, JSON.stringify(report.handles));
    assert.equal(timer.hasRef, true);
    assert.equal(timer.timerRepeats, true);
    assert.equal(timer.stack[0].file, file);
    assert.equal(timer.stack[0].functionName, 'makeTimer');
    assert.equal(timer.stack[0].line, 1);
    assert.equal(report.untracked.Timeout, undefined);
  });
});
