import { strict as assert } from 'node:assert';
import type { WatchedProcess } from '../../../src/monitor/Monitor';
import { SampleHistory } from '../../../src/monitor/series/SampleHistory';
import { buildProcessTree, totalsOf, type OriginRoot } from '../../../src/extension/ProcessTreeModel';

const watched = (pid: number, ppid: number, cpuPercent = 1, rssBytes = 1024 * 1024): WatchedProcess => ({
  key: `${pid}@1`,
  info: { pid, ppid, startTime: pid, name: `n${pid}`, command: `node app${pid}.js` },
  latest: { pid, startTime: pid, time: 0, cpuPercent, rssBytes, cpuTimeMs: 0 },
  history: new SampleHistory(['cpuPercent', 'rssBytes'], { recentCapacity: 2, archiveStepMs: 1000, archiveCapacity: 2 }),
  firstSeen: 0,
});

const terminal: OriginRoot = { kind: 'terminal', id: 'terminal:10', label: 'dev', rootPid: 10 };

describe('buildProcessTree', () => {
  it('puts what a terminal runs under the terminal, nested by parent, oldest first', () => {
    const tree = buildProcessTree([terminal], [watched(10, 1), watched(30, 10), watched(20, 10), watched(31, 30), watched(99, 1)]);
    assert.equal(tree.length, 1);
    assert.equal(tree[0].label, 'Terminal: dev');
    assert.equal(tree[0].contextValue, 'origin');
    assert.deepEqual(tree[0].children.map((c) => c.pid), [20, 30]);
    assert.deepEqual(tree[0].children[1].children.map((c) => c.pid), [31]);
    assert.match(tree[0].children[0].description, /^20 · 1\.0% · 1\.00 MB$/);
    assert.equal(tree[0].children[0].contextValue, 'process');
  });

  it('shows a terminal whose shell has not been sampled yet, without children', () => {
    const tree = buildProcessTree([terminal], []);
    assert.equal(tree[0].children.length, 0);
    assert.equal(tree[0].description, 'shell 10');
  });

  it('groups watched roots under "Watched" with their descendants', () => {
    const tree = buildProcessTree(
      [{ kind: 'watched', id: 'watched:50', label: 'api', rootPid: 50 }, { kind: 'watched', id: 'watched:77', label: 'gone', rootPid: 77 }],
      [watched(50, 1), watched(51, 50)],
    );
    assert.equal(tree.length, 1);
    assert.equal(tree[0].label, 'Watched');
    assert.equal(tree[0].description, '1 process');
    assert.equal(tree[0].children[0].contextValue, 'process.watchedRoot');
    assert.deepEqual(tree[0].children[0].children.map((c) => c.pid), [51]);
  });

  it('gives every node an id unique across origins, stable across ticks', () => {
    const origins: OriginRoot[] = [terminal, { kind: 'watched', id: 'watched:30', label: 'x', rootPid: 30 }];
    const processes = [watched(10, 1), watched(30, 10)];
    const ids = (nodes: ReturnType<typeof buildProcessTree>): string[] => nodes.flatMap((n) => [n.id, ...ids(n.children)]);
    const first = ids(buildProcessTree(origins, processes));
    assert.equal(new Set(first).size, first.length);
    assert.deepEqual(ids(buildProcessTree(origins, processes)), first);
  });

  it('survives a parent cycle in a corrupt read', () => {
    const tree = buildProcessTree([{ kind: 'watched', id: 'watched:1', label: 'x', rootPid: 1 }], [watched(1, 2), watched(2, 1)]);
    assert.equal(tree[0].children[0].pid, 1);
  });
});

describe('totalsOf', () => {
  it('sums what the terminals run, not the shells, and ranks the busiest', () => {
    const totals = totalsOf([terminal], [watched(10, 1, 50), watched(20, 10, 5, 100), watched(30, 10, 7, 200)]);
    assert.equal(totals.processCount, 2);
    assert.equal(totals.cpuPercent, 12);
    assert.equal(totals.rssBytes, 300);
    assert.deepEqual(totals.top.map((p) => p.info.pid), [30, 20]);
  });
});
