import { strict as assert } from 'node:assert';
import { Monitor } from '../../../src/monitor/Monitor';
import type { ProcessInfo, ProcessReadResult, ProcessReading, ProcessSource } from '../../../src/monitor/processes/ProcessSource';
import { nextEvent } from '../nextEvent';

/** A scripted process table: the test decides what each read returns. */
class ScriptedSource implements ProcessSource {
  table: ProcessReading[] = [];
  reads: number[][] = [];
  failNext = false;
  disposed = false;
  async read(roots: readonly number[]): Promise<ProcessReadResult> {
    this.reads.push([...roots]);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('scripted failure');
    }
    const wanted = new Set(roots);
    // Roots and their direct children are enough for these tests.
    const readings = this.table.filter((r) => wanted.has(r.pid) || wanted.has(r.ppid));
    return { readings, warnings: readings.filter((r) => r.pid === 666).map(() => ({ code: 'access-denied' as const, pid: 666, message: 'denied 666' })) };
  }
  async listAll(): Promise<ProcessInfo[]> {
    return this.table;
  }
  dispose(): void {
    this.disposed = true;
  }
}

const proc = (pid: number, ppid: number, cpuTimeMs = 0): ProcessReading => ({
  pid, ppid, startTime: 1_700_000_000_000 + pid, name: `p${pid}`, command: `p${pid} --flag`, cpuTimeMs, rssBytes: pid * 4096,
});


describe('Monitor (in-process sampling loop)', () => {
  let source: ScriptedSource;
  let monitor: Monitor;
  beforeEach(() => {
    source = new ScriptedSource();
    monitor = new Monitor({ intervalMs: 250, historyMinutes: 1, inProcessSource: source });
  });
  afterEach(() => monitor.dispose());

  it('watches the union of every owner\'s roots and emits appear, sample and exit', async () => {
    source.table = [proc(100, 1), proc(101, 100), proc(200, 1)];
    const appeared = nextEvent(monitor.onDidAppear);
    monitor.setRoots('terminals', [100]);
    monitor.setRoots('watched', [200, 100]);
    assert.deepEqual(monitor.roots().sort(), [100, 200]);
    const infos = await appeared;
    assert.deepEqual(infos.map((i) => i.pid).sort(), [100, 101, 200]);
    assert.equal(monitor.get(101)?.info.command, 'p101 --flag');

    await nextEvent(monitor.onDidSample, (b) => b.samples.length === 3);
    assert.equal(monitor.get(200)?.latest?.rssBytes, 200 * 4096);
    assert.ok(monitor.get(200)!.history.length >= 1);

    const exited = nextEvent(monitor.onDidExit);
    source.table = [proc(100, 1), proc(200, 1)];
    assert.deepEqual((await exited).map((e) => e.info.pid), [101]);
    assert.equal(monitor.get(101), undefined);
    assert.deepEqual(monitor.exited().map((e) => e.info.pid), [101]);
  });

  it('forgets an owner\'s roots when it sets none', async () => {
    source.table = [proc(100, 1)];
    monitor.setRoots('a', [100]);
    await nextEvent(monitor.onDidAppear);
    const exited = nextEvent(monitor.onDidExit);
    monitor.setRoots('a', []);
    assert.deepEqual((await exited).map((e) => e.info.pid), [100]);
    assert.deepEqual(monitor.roots(), []);
  });

  it('ignores PIDs that cannot be processes', () => {
    monitor.setRoots('a', [0, -5, 1.5, NaN, 42]);
    assert.deepEqual(monitor.roots(), [42]);
  });

  it('reports source warnings and keeps ticking after a source failure', async () => {
    source.table = [proc(666, 1)];
    const warning = nextEvent(monitor.onWarning, (w) => w.code === 'access-denied');
    monitor.setRoots('a', [666]);
    assert.equal((await warning).pid, 666);
    source.failNext = true;
    const failure = await nextEvent(monitor.onWarning, (w) => w.code === 'worker-failed');
    assert.match(failure.message, /scripted failure/);
    await nextEvent(monitor.onDidSample);
  });

  it('keeps a listener that throws from stopping the others', async () => {
    source.table = [proc(100, 1)];
    monitor.onDidSample(() => {
      throw new Error('bad listener');
    });
    const reported = nextEvent(monitor.onWarning, (w) => w.code === 'listener-failed');
    const sampled = nextEvent(monitor.onDidSample);
    monitor.setRoots('a', [100]);
    await sampled;
    assert.match((await reported).message, /bad listener/);
  });

  it('stops reading while paused and resumes on request', async () => {
    source.table = [proc(100, 1)];
    monitor.setRoots('a', [100]);
    await nextEvent(monitor.onDidSample);
    monitor.pause();
    assert.equal(monitor.paused, true);
    const readsAtPause = source.reads.length;
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(source.reads.length, readsAtPause);
    monitor.resume();
    await nextEvent(monitor.onDidSample);
    assert.ok(source.reads.length > readsAtPause);
  });

  it('lists all processes through the sampling loop', async () => {
    source.table = [proc(1, 0), proc(2, 1)];
    assert.deepEqual((await monitor.listAllProcesses()).map((p) => p.pid), [1, 2]);
  });

  it('releases its source when disposed', () => {
    monitor.dispose();
    assert.equal(source.disposed, true);
  });
});
