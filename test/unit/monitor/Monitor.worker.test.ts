import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Monitor, type ExitedProcess } from '../../../src/monitor/Monitor';
import type { ProcessInfo } from '../../../src/monitor/processes/ProcessSource';
import { nextEvent } from '../nextEvent';

const WORKER = join(__dirname, '../../../../dist/monitorWorker.js');

/** A real tree: node root -> node child -> sleep grandchild. The root prints its child's PID. */
const TREE_SCRIPT = `
const { spawn } = require('child_process');
const child = spawn(process.execPath, ['-e', "const s=require('child_process').spawn('sleep',['300'],{stdio:'ignore'}); console.log(s.pid); setInterval(()=>{},1000)"], { stdio: ['ignore', 'pipe', 'inherit'] });
child.stdout.on('data', (d) => process.stdout.write(child.pid + ' ' + d));
setInterval(() => {}, 1000);
`;


describe('Monitor with its worker thread, on real processes', function () {
  this.timeout(30_000);
  let monitor: Monitor | undefined;
  let root: ChildProcess | undefined;

  afterEach(() => {
    monitor?.dispose();
    if (root?.pid) {
      try {
        process.kill(-root.pid, 'SIGKILL');
      } catch {
        root.kill('SIGKILL');
      }
    }
  });

  (process.platform === 'linux' ? it : it.skip)('follows a depth-3 tree from its root, samples it and reports exits', async () => {
    root = spawn(process.execPath, ['-e', TREE_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    const [childPid, grandchildPid] = await new Promise<number[]>((resolve) => {
      root!.stdout!.once('data', (d: Buffer) => resolve(String(d).trim().split(' ').map(Number)));
    });
    monitor = new Monitor({ intervalMs: 250, historyMinutes: 1, workerScript: WORKER });
    const seen = new Map<number, ProcessInfo>();
    monitor.onDidAppear((infos) => infos.forEach((i) => seen.set(i.pid, i)));
    monitor.setRoots('test', [root.pid!]);

    await nextEvent(monitor.onDidSample, () => seen.has(grandchildPid));
    assert.equal(seen.get(childPid)?.ppid, root.pid);
    assert.equal(seen.get(grandchildPid)?.ppid, childPid);
    assert.equal(seen.get(grandchildPid)?.command, 'sleep 300');

    const sampled = await nextEvent(monitor.onDidSample, (b) => b.samples.length === 3);
    for (const s of sampled.samples) {
      assert.ok(s.rssBytes > 0, `RSS of ${s.pid}`);
      assert.ok(s.cpuPercent >= 0 && Number.isFinite(s.cpuPercent), `CPU% of ${s.pid}`);
    }
    assert.ok((monitor.get(childPid)?.history.length ?? 0) >= 1);

    const exited = nextEvent<readonly ExitedProcess[]>(monitor.onDidExit, (e) => e.some((x) => x.info.pid === grandchildPid));
    process.kill(grandchildPid, 'SIGKILL');
    await exited;
    assert.equal(monitor.get(grandchildPid), undefined);
    assert.ok(monitor.get(childPid), 'the rest of the tree is still watched');
  });

  it('lists the processes of the machine, including this one', async () => {
    monitor = new Monitor({ intervalMs: 1000, historyMinutes: 1, workerScript: WORKER });
    const all = await monitor.listAllProcesses();
    assert.ok(all.some((p) => p.pid === process.pid));
  });

  it('restarts a worker that dies and says so', async () => {
    monitor = new Monitor({ intervalMs: 250, historyMinutes: 1, workerScript: join(__dirname, 'no-such-worker.js') });
    const warning = await nextEvent(monitor.onWarning, (w) => w.code === 'worker-failed');
    assert.match(warning.message, /restarting sampling in 1 s/);
  });
});
