import { strict as assert } from 'node:assert';
import type { WatchedProcess } from '../../../src/monitor/Monitor';
import { SampleHistory } from '../../../src/monitor/series/SampleHistory';
import { buildProcessTree, descendantsOf, totalsOf, trendOf, type OriginRoot, type ProcessTreeNode } from '../../../src/extension/ProcessTreeModel';

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
    const ids = (nodes: readonly ProcessTreeNode[]): string[] => nodes.flatMap((n) => [n.id, ...ids(n.children)]);
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

describe('buildProcessTree with every origin kind', () => {
  it('groups tasks and debug sessions with their root process, and orphans once each', () => {
    const tree = buildProcessTree(
      [
        terminal,
        { kind: 'task', id: 'task:40', label: 'watch', rootPid: 40 },
        { kind: 'debug', id: 'debug:s1:60', label: 'Launch API', rootPid: 60 },
        { kind: 'orphaned', id: 'orphan:70', label: 'n70', rootPid: 70 },
        { kind: 'orphaned', id: 'orphan:71', label: 'n71', rootPid: 71 },
      ],
      [watched(10, 1), watched(40, 1), watched(41, 40), watched(60, 1), watched(70, 1), watched(71, 70)],
    );
    assert.deepEqual(tree.map((n) => n.label), ['Terminal: dev', 'Task: watch', 'Debug: Launch API', 'Orphaned']);
    assert.deepEqual(tree[1].children.map((c) => c.pid), [40]);
    assert.deepEqual(tree[1].children[0].children.map((c) => c.pid), [41]);
    assert.deepEqual(tree[2].children.map((c) => c.pid), [60]);
    // 71 is a child of orphan 70: shown under it, not twice.
    assert.deepEqual(tree[3].children.map((c) => c.pid), [70]);
    assert.deepEqual(tree[3].children[0].children.map((c) => c.pid), [71]);
    assert.equal(tree[3].children[0].contextValue, 'process.orphan');
    assert.equal(tree[3].description, '1 process');
  });

  it('puts command, PID, parent, working directory, start and uptime in the tooltip', () => {
    const p = watched(20, 10);
    const withCwd = { ...p, info: { ...p.info, startTime: 1_000_000, cwd: '/work/app' } };
    const tree = buildProcessTree([terminal], [watched(10, 1), withCwd], 1_000_000 + 125_000);
    const tooltip = tree[0].children[0].tooltip;
    assert.match(tooltip, /^node app20\.js\nPID 20 · parent 10 \(n10\)\nWorking directory \/work\/app\nStarted .* · up 2 min 5 s\nCPU 1\.0% · memory 1\.00 MB$/);
  });
});

describe('descendantsOf', () => {
  it('finds children of children, not the root, and survives cycles', () => {
    const ps = [watched(1, 0), watched(2, 1), watched(3, 2), watched(4, 1), watched(9, 8), watched(8, 9)];
    assert.deepEqual(descendantsOf(1, ps).map((p) => p.info.pid).sort(), [2, 3, 4]);
    assert.deepEqual(descendantsOf(8, ps).map((p) => p.info.pid), [9]);
    assert.deepEqual(descendantsOf(42, ps), []);
  });
});

describe('trendOf', () => {
  const line = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
  const cases: Array<[string, number[], string | undefined]> = [
    ['too few samples', line(5, (i) => i + 1), undefined],
    ['steadily rising memory', line(30, (i) => 100 + i * 2), 'rising'],
    ['falling memory', line(30, (i) => 200 - i * 3), 'falling'],
    ['flat with noise', line(30, (i) => 100 + (i % 2 ? 2 : -2)), 'steady'],
    ['only the newest 30 samples count', [...line(50, () => 10), ...line(30, () => 100)], 'steady'],
    ['gaps (NaN) are skipped', line(30, (i) => (i % 5 === 0 ? NaN : 100 + i * 2)), 'rising'],
    ['all zero is not a trend', line(30, () => 0), undefined],
  ];
  for (const [name, values, expected] of cases) it(name, () => assert.equal(trendOf(values), expected));
});

describe('buildProcessTree without duplicates', () => {
  it('shows a task that runs in its own terminal, and a debuggee started from a terminal, only under their own group', () => {
    const tree = buildProcessTree(
      [
        { kind: 'terminal', id: 'terminal:40', label: 'pv-test-watch', rootPid: 40 },
        terminal,
        { kind: 'task', id: 'task:40', label: 'watch', rootPid: 40 },
        { kind: 'debug', id: 'debug:s:21', label: 'Launch', rootPid: 21 },
      ],
      [watched(40, 1), watched(41, 40), watched(10, 1), watched(20, 10), watched(21, 10)],
    );
    assert.deepEqual(tree.map((n) => n.label), ['Terminal: dev', 'Task: watch', 'Debug: Launch']);
    assert.deepEqual(tree[0].children.map((c) => c.pid), [20]);
  });
});

describe('buildProcessTree with leak verdicts', () => {
  it('flags a leaking process in its description and explains it in the tooltip', () => {
    const verdict = { kind: 'heap', signal: 'heapAfterGc', state: 'leak', rate: 64 * 1024, rateLow: 60 * 1024, rateHigh: 70 * 1024, confidence: 0.99, time: 0 } as const;
    const tree = buildProcessTree([terminal], [watched(10, 1), watched(20, 10)], 1_000_000, (key) => (key === '20@1' ? [verdict] : []));
    const node = tree[0].children[0];
    assert.match(node.description, / · heap leak\? 64\.0 KB\/s$/);
    assert.match(node.tooltip, /\nLeak suspected: heapAfterGc grows 64\.0 KB\/s \(99% confidence\)$/);
  });

  it('says when heap growth waits for a major GC, without flagging the process', () => {
    const suspected = { kind: 'heap', signal: 'heapUsed', state: 'steady', suspected: true, rate: 48 * 1024, rateLow: 30 * 1024, rateHigh: 60 * 1024, confidence: 0.999, time: 0 } as const;
    const steady = { ...suspected, signal: 'external', suspected: undefined } as const;
    const tree = buildProcessTree([terminal], [watched(10, 1), watched(20, 10)], 1_000_000, (key) => (key === '20@1' ? [suspected, steady] : []));
    const node = tree[0].children[0];
    assert.doesNotMatch(node.description, /leak/);
    assert.match(node.tooltip, /\nGrowing, not yet a leak: heapUsed rises 48\.0 KB\/s; waiting for a major GC to show whether it is live memory or garbage$/);
    assert.equal(node.tooltip.match(/Growing/g)?.length, 1, 'a steady signal without suspicion says nothing');
  });
});
