import * as assert from 'node:assert/strict';
import { readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { LinuxProcessSource } from '../../../src/monitor/processes/LinuxProcessSource';
import type { ProcessReading } from '../../../src/monitor/processes/ProcessSource';
import { FakeProcFileSystem } from './FakeProcFileSystem';
import { SpawnedProcesses, ppidOf, procExists, waitUntil } from './SpawnedProcesses';

const onLinux = process.platform === 'linux';
const byPid = (readings: readonly ProcessReading[]) => new Map(readings.map((r) => [r.pid, r]));

/** node -e source that starts `node -e child` and reports the PIDs the child reports plus its own. */
function parentOf(childScript: string, extra = ''): string {
  return `
    const cp = require('child_process');
    const readline = require('readline');
    const c = cp.spawn(process.execPath, ['-e', ${JSON.stringify(childScript)}], { stdio: ['ignore', 'pipe', 'inherit'] });
    readline.createInterface({ input: c.stdout }).once('line', (line) => {
      console.log(JSON.stringify({ root: process.pid, child: c.pid, ...JSON.parse(line) }));
    });
    ${extra}
    setInterval(() => {}, 1000);`;
}

const SLEEPER_CHILD = `
  const s = require('child_process').spawn('sleep', ['300'], { stdio: 'ignore' });
  console.log(JSON.stringify({ sleep: s.pid }));
  setInterval(() => {}, 1000);`;

(onLinux ? describe : describe.skip)('LinuxProcessSource on real processes', () => {
  const spawned = new SpawnedProcesses();
  let source: LinuxProcessSource;

  beforeEach(() => {
    source = new LinuxProcessSource({ fullScanIntervalMs: Number.POSITIVE_INFINITY });
  });
  afterEach(async () => {
    source.dispose();
    await spawned.killAll();
  });

  it('discovers a tree of depth 3 from its root with ppid links, names and commands', async () => {
    const { message } = await spawned.node(parentOf(SLEEPER_CHILD));
    const { root, child, sleep } = message as { root: number; child: number; sleep: number };

    const { readings, warnings } = source.readSync([root]);

    assert.deepEqual(warnings, []);
    const found = byPid(readings);
    assert.deepEqual([...found.keys()].sort(), [root, child, sleep].sort());
    assert.equal(found.get(root)!.ppid, process.pid);
    assert.equal(found.get(child)!.ppid, root);
    assert.equal(found.get(sleep)!.ppid, child);
    assert.equal(found.get(root)!.name, 'node');
    assert.equal(found.get(sleep)!.name, 'sleep');
    assert.equal(found.get(sleep)!.command, 'sleep 300');
    assert.match(found.get(child)!.command, /^\S*node -e .*spawn\('sleep'/s);
    assert.equal(readings[0]!.pid, root, 'the root comes first');
    for (const reading of readings) {
      assert.ok(Math.abs(reading.startTime - Date.now()) < 60_000, `start time ${reading.startTime} is about now`);
    }
  });

  it('finds a child forked by a non-main thread (listed only in that thread\'s children file)', async () => {
    const { message } = await spawned.node(`
      const { Worker } = require('worker_threads');
      new Worker("const s = require('child_process').spawn('sleep', ['300'], { stdio: 'ignore' }); require('worker_threads').parentPort.postMessage(s.pid);", { eval: true })
        .on('message', (pid) => console.log(JSON.stringify({ root: process.pid, sleep: pid })));
      setInterval(() => {}, 1000);`);
    const { root, sleep } = message as { root: number; sleep: number };
    const mainThreadChildren = readFileSync(`/proc/${root}/task/${root}/children`, 'latin1').split(' ');
    assert.ok(!mainThreadChildren.includes(String(sleep)), 'precondition: the main thread does not list the child');

    const found = byPid(source.readSync([root]).readings);

    assert.equal(found.get(sleep)?.ppid, root);
  });

  it('leaves out a process that exited between two reads, without warnings or throwing', async () => {
    const { message } = await spawned.node(`
      const cp = require('child_process');
      const a = cp.spawn('sleep', ['300'], { stdio: 'ignore' });
      const b = cp.spawn('sleep', ['300'], { stdio: 'ignore' });
      console.log(JSON.stringify({ root: process.pid, a: a.pid, b: b.pid }));
      setInterval(() => {}, 1000);`);
    const { root, a, b } = message as { root: number; a: number; b: number };
    assert.equal(source.readSync([root]).readings.length, 3);
    const fdsBefore = source.heldFileDescriptors;

    process.kill(a, 'SIGKILL');
    await waitUntil(() => !procExists(a), 'the killed child is reaped');
    const { readings, warnings } = source.readSync([root]);

    assert.deepEqual(readings.map((r) => r.pid).sort(), [root, b].sort());
    assert.deepEqual(warnings, []);
    assert.ok(source.heldFileDescriptors < fdsBefore, 'the exited process\'s fds are closed');
  });

  it('reads each process\'s working directory once', async () => {
    const cwd = realpathSync(tmpdir());
    const sleeper = spawned.command('sleep', ['300'], { cwd });
    const [reading] = source.readSync([sleeper.pid!]).readings;
    assert.equal(reading.cwd, cwd);
  });

  it('leaves out roots that do not exist', async () => {
    const sleeper = spawned.command('sleep', ['300']);
    const { readings, warnings } = source.readSync([2 ** 22 + 7, sleeper.pid!]);
    assert.deepEqual(readings.map((r) => r.pid), [sleeper.pid]);
    assert.deepEqual(warnings, []);
  });

  it('parses a comm with spaces and parentheses, and follows the rename', async () => {
    const { message } = await spawned.node(`
      process.stdin.resume();
      process.title = 'vitals) (test x';
      console.log(JSON.stringify({ root: process.pid }));`, { stdio: ['pipe', 'pipe', 'inherit'] });
    const { readings } = source.readSync([message.root!]);
    assert.equal(readings[0]!.name, 'vitals) (test x');
    assert.ok(readings[0]!.cpuTimeMs >= 0);
    assert.ok(readings[0]!.rssBytes > 1_000_000);
  });

  it('adopts an orphan re-parented out of a session-leader root in the full scan, and keeps one it saw before', async () => {
    // The root leads its own session (detached => setsid), like a terminal's shell.
    const { message } = await spawned.node(parentOf(SLEEPER_CHILD), { detached: true });
    const { root, child: middle, sleep: orphan } = message as { root: number; child: number; sleep: number };
    const sawItBefore = new LinuxProcessSource({ fullScanIntervalMs: Number.POSITIVE_INFINITY });
    try {
      assert.ok(byPid(sawItBefore.readSync([root]).readings).has(orphan));

      process.kill(middle, 'SIGKILL');
      await waitUntil(() => ppidOf(orphan) !== middle && !procExists(middle), 'the sleeper is re-parented');

      // A fresh source's walk cannot reach it any more ...
      const walkOnly = source.readSync([root], { fullScan: false }).readings;
      assert.deepEqual(walkOnly.map((r) => r.pid), [root]);
      // ... the full scan finds it by its session id ...
      const scanned = byPid(source.readSync([root], { fullScan: true }).readings);
      assert.deepEqual([...scanned.keys()].sort(), [root, orphan].sort());
      assert.equal(scanned.get(orphan)!.ppid, ppidOf(orphan));
      assert.ok(!scanned.has(process.pid), 'the root\'s ancestors are not pulled in');
      // ... and a source that saw it before keeps it without any scan.
      const sticky = byPid(sawItBefore.readSync([root]).readings);
      assert.deepEqual([...sticky.keys()].sort(), [root, orphan].sort());
    } finally {
      sawItBefore.dispose();
    }
  });

  it('does not adopt the session of a root that does not lead it', async () => {
    const sleeper = spawned.command('sleep', ['300']); // shares the test runner's session
    const { readings } = source.readSync([sleeper.pid!], { fullScan: true });
    assert.deepEqual(readings.map((r) => r.pid), [sleeper.pid]);
  });

  it('sees the CPU time of a busy process grow', async () => {
    const { message } = await spawned.node(`console.log(JSON.stringify({ root: process.pid })); for (;;) {}`);
    const first = source.readSync([message.root!]).readings[0]!.cpuTimeMs;
    let last = first;
    await waitUntil(() => {
      last = source.readSync([message.root!]).readings[0]!.cpuTimeMs;
      return last >= first + 50;
    }, 'the CPU time grows');
    assert.ok(last > first);
  });

  for (const [preciseRss, tolerance] of [[false, 0.25], [true, 0.05]] as const) {
    it(`reports RSS in bytes close to VmRSS (preciseRss: ${preciseRss}, within ${tolerance * 100}%)`, async () => {
      const { message } = await spawned.node(parentOf(SLEEPER_CHILD));
      const rssSource = new LinuxProcessSource({ preciseRss, fullScanIntervalMs: Number.POSITIVE_INFINITY });
      try {
        const { readings } = rssSource.readSync([message.root!]);
        assert.equal(readings.length, 3);
        for (const reading of readings) {
          const vmRssKb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${reading.pid}/status`, 'latin1'))![1]);
          assert.ok(reading.rssBytes > 100_000 && reading.rssBytes < 4e9, `${reading.name} rss ${reading.rssBytes}`);
          const error = Math.abs(reading.rssBytes - vmRssKb * 1024) / (vmRssKb * 1024);
          assert.ok(error <= tolerance, `${reading.name}: ${reading.rssBytes} bytes vs VmRSS ${vmRssKb} kB`);
        }
      } finally {
        rssSource.dispose();
      }
    });
  }

  it('closes every held fd on dispose', async () => {
    const { message } = await spawned.node(parentOf(SLEEPER_CHILD));
    source.readSync([message.root!]);
    assert.ok(source.heldFileDescriptors >= 6);
    source.dispose();
    assert.equal(source.heldFileDescriptors, 0);
  });

  it('lists every process on the machine', async () => {
    const all = await source.listAll();
    const self = all.find((p) => p.pid === process.pid);
    assert.ok(self, 'the test process is listed');
    assert.match(self.command, /mocha|node/);
    assert.ok(all.length > 5);
  });
});

describe('LinuxProcessSource on a fake /proc', () => {
  let fake: FakeProcFileSystem;
  let clock: number;
  const bootMs = () => fake.bootTimeSeconds * 1000;
  const create = (options: { maxHeldFds?: number; fullScanIntervalMs?: number } = {}) =>
    new LinuxProcessSource({ procRoot: fake.root, fs: fake, now: () => clock, pageSize: 4096, fullScanIntervalMs: Number.POSITIVE_INFINITY, ...options });

  beforeEach(() => {
    fake = new FakeProcFileSystem();
    clock = fake.bootTimeSeconds * 1000 + 3_600_000;
    fake.add({ pid: 1, ppid: 0, session: 1, comm: 'init' });
    fake.add({ pid: 100, ppid: 1, session: 100, comm: 'bash', cmdline: ['/bin/bash', '--login'] });
    fake.add({ pid: 200, ppid: 100, session: 100, comm: 'node', cmdline: ['node', 'server.js'], startTicks: 5000 });
  });

  it('reports a reused PID as a different process and replaces the held fd', () => {
    const source = create();
    const first = byPid(source.readSync([100]).readings).get(200)!;
    assert.equal(first.startTime, bootMs() + 50_000);

    fake.kill(200);
    fake.add({ pid: 200, ppid: 100, session: 100, comm: 'python3', cmdline: ['python3', 'x.py'], startTicks: 9000 });
    const second = byPid(source.readSync([100]).readings).get(200)!;

    assert.equal(second.startTime, bootMs() + 90_000);
    assert.equal(second.name, 'python3');
    assert.equal(second.command, 'python3 x.py');
    assert.equal(fake.opened.filter((p) => p === '/fakeproc/200/stat').length, 2, 'the stat file was opened again');
    source.dispose();
    assert.equal(fake.openFds, 0);
  });

  it('notices a reused PID by its start time when files are read by path (fd budget exhausted)', () => {
    const source = create({ maxHeldFds: 0 });
    source.readSync([100]);
    fake.processes.get(200)!.startTicks = 9000; // same PID, another process behind it ...
    fake.lastAllocatedPid++; // ... which took a PID allocation
    const second = byPid(source.readSync([100]).readings).get(200)!;
    assert.equal(second.startTime, bootMs() + 90_000);
    assert.equal(source.heldFileDescriptors, 0);
    assert.equal(fake.openFds, 0);
  });

  it('warns once, with access-denied, about a process whose stat it may not read', () => {
    fake.add({ pid: 300, ppid: 100, session: 100 });
    fake.deniedPaths.add('/fakeproc/300/stat');
    const source = create();
    const warnings = [source.readSync([100]), source.readSync([100]), source.readSync([100])].flatMap((r) => r.warnings);
    assert.deepEqual(
      warnings.map((w) => [w.code, w.pid]),
      [['access-denied', 300]],
    );
    assert.deepEqual(source.readSync([100]).readings.map((r) => r.pid).sort(), [100, 200]);
  });

  it('keeps a process whose command line is denied, with an empty command and one warning', () => {
    fake.deniedPaths.add('/fakeproc/200/cmdline');
    const source = create();
    const first = source.readSync([100]);
    const second = source.readSync([100]);
    assert.equal(byPid(first.readings).get(200)!.command, '');
    assert.deepEqual(first.warnings.map((w) => w.code), ['access-denied']);
    assert.deepEqual(second.warnings, []);
  });

  it('silently leaves out a child listed by its parent that is gone before its stat is opened', () => {
    fake.add({ pid: 300, ppid: 100, session: 100 });
    const realOpen = fake.openSync.bind(fake);
    fake.openSync = (path: string) => {
      if (path === '/fakeproc/300/stat') fake.kill(300);
      return realOpen(path);
    };
    const { readings, warnings } = create().readSync([100]);
    assert.deepEqual(readings.map((r) => r.pid).sort(), [100, 200]);
    assert.deepEqual(warnings, []);
  });

  it('re-reads the command of a young process that exec\'d without changing its name', () => {
    clock = bootMs() + 50_000 + 200; // process 200 is 200 ms old
    fake.processes.get(200)!.cmdline = ['/bin/bash', '--login']; // between fork and exec: the parent's argv
    const source = create();
    assert.equal(byPid(source.readSync([100]).readings).get(200)!.command, '/bin/bash --login');
    const p = fake.processes.get(200)!;
    p.cmdline = ['node', 'server.js'];
    p.argStart += 1 << 20;
    p.argEnd += 1 << 20;
    clock += 1000;
    assert.equal(byPid(source.readSync([100]).readings).get(200)!.command, 'node server.js');
  });

  it('follows a rename (comm change) with a new name and command', () => {
    const source = create();
    source.readSync([100]);
    const p = fake.processes.get(200)!;
    p.comm = 'esbuild';
    p.cmdline = ['esbuild', '--watch'];
    const reading = byPid(source.readSync([100]).readings).get(200)!;
    assert.equal(reading.name, 'esbuild');
    assert.equal(reading.command, 'esbuild --watch');
  });

  it('converts ticks and pages: cpu in ms, rss from stat (default) or statm (preciseRss) in bytes', () => {
    const p = fake.processes.get(200)!;
    p.utimeTicks = 250;
    p.stimeTicks = 50;
    p.rssPages = 1200;
    p.statmResidentPages = 1234;
    const reading = byPid(create().readSync([100]).readings).get(200)!;
    assert.equal(reading.cpuTimeMs, 3000);
    assert.equal(reading.rssBytes, 1200 * 4096);
    const precise = new LinuxProcessSource({ procRoot: fake.root, fs: fake, now: () => clock, pageSize: 4096, preciseRss: true });
    assert.equal(byPid(precise.readSync([100]).readings).get(200)!.rssBytes, 1234 * 4096);
    precise.dispose();
  });

  it('walks the children files of every thread, and lists threads again when they change', () => {
    fake.processes.get(200)!.threads = [200, 201, 202];
    fake.add({ pid: 300, ppid: 200, session: 100, parentTid: 202 });
    const source = create();
    assert.ok(byPid(source.readSync([100]).readings).has(300));
    fake.processes.get(200)!.threads = [200, 201, 203];
    fake.add({ pid: 301, ppid: 200, session: 100, parentTid: 203 });
    fake.processes.get(300)!.parentTid = 200; // its thread exited: re-parented within the thread group
    assert.deepEqual(source.readSync([100]).readings.map((r) => r.pid).sort(), [100, 200, 300, 301]);
  });

  it('skips the children files while no PID was allocated, and walks again once one was', () => {
    const source = create();
    source.readSync([100]);
    const childrenReads = () => fake.reads.get('/fakeproc/100/task/100/children') ?? 0;
    const before = childrenReads();
    fake.kill(200);
    assert.deepEqual(source.readSync([100]).readings.map((r) => r.pid), [100], 'an exit is seen without walking');
    assert.equal(childrenReads(), before);
    fake.add({ pid: 300, ppid: 100, session: 100 });
    assert.deepEqual(source.readSync([100]).readings.map((r) => r.pid), [100, 300]);
    assert.equal(childrenReads(), before + 1);
    assert.deepEqual(source.readSync([100, 300]).readings.map((r) => r.pid).sort(), [100, 300], 'new roots are walked');
  });

  it('full scan: adopts orphans of a session-leader root and missed children, nothing else', () => {
    fake.add({ pid: 400, ppid: 1, session: 100, comm: 'orphan' }); // re-parented to init, same session
    fake.add({ pid: 500, ppid: 1, session: 500, comm: 'daemon' }); // unrelated session
    fake.add({ pid: 600, ppid: 1, session: 1, comm: 'other' });
    fake.add({ pid: 401, ppid: 400, session: 100, comm: 'orphan-child' });
    const source = create({ fullScanIntervalMs: 5000 });
    const first = byPid(source.readSync([100]).readings); // the first read scans
    assert.deepEqual([...first.keys()].sort(), [100, 200, 400, 401]);

    fake.add({ pid: 402, ppid: 1, session: 100, comm: 'late-orphan' });
    clock += 1000;
    assert.ok(!byPid(source.readSync([100]).readings).has(402), 'no scan before the interval');
    clock += 5000;
    assert.ok(byPid(source.readSync([100]).readings).has(402), 'the next scan adopts it');
  });

  it('full scan: a root that does not lead its session adopts no session members', () => {
    fake.add({ pid: 400, ppid: 1, session: 100, comm: 'orphan' });
    const { readings } = create({ fullScanIntervalMs: 0 }).readSync([200]);
    assert.deepEqual(readings.map((r) => r.pid), [200]);
  });

  it('attributes a nested root\'s subtree to it and reports each process once', () => {
    fake.add({ pid: 300, ppid: 200, session: 100 });
    const { readings } = create().readSync([200, 100]);
    assert.deepEqual(readings.map((r) => r.pid).sort(), [100, 200, 300]);
  });
});
