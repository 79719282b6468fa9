import { strict as assert } from 'node:assert';
import { SampleHistory } from '../../../src/monitor/series/SampleHistory';
import {
  bucketByTime,
  bucketMsFor,
  buildHydration,
  catalogOf,
  originsByProcessKey,
  roundForWire,
  snapshotOf,
  TickDeltaBuilder,
  type DashboardProcess,
  type HydrationInput,
} from '../../../src/extension/dashboard/dashboardData';
import { describeSeries } from '../../../src/extension/dashboard/seriesCatalog';
import { parseToWebview } from '../../../src/webview/protocol';
import type { ProcessTreeNode } from '../../../src/extension/ProcessTreeModel';

const T0 = 1_700_000_000_000;

function processWith(pid: number, keys: string[], samples: number, options: { recent?: number; agent?: boolean } = {}): DashboardProcess & { history: SampleHistory<string> } {
  const history = new SampleHistory<string>(keys, { recentCapacity: options.recent ?? 1000, archiveStepMs: 30_000, archiveCapacity: 100 });
  for (let i = 0; i < samples; i++) {
    const values: Record<string, number> = {};
    for (const key of keys) values[key] = key === 'heapUsedBytes' && !options.agent ? Number.NaN : i + pid;
    history.append(T0 + i * 1000, values);
  }
  return { key: `${pid}@${T0}`, info: { pid, ppid: 1, startTime: T0, name: `p${pid}`, command: `node p${pid}.js` }, history, ...(options.agent ? { agent: { version: 1 } } : {}) };
}

const input = (processes: DashboardProcess[], overrides: Partial<HydrationInput> = {}): HydrationInput => ({
  processes,
  originOf: () => 'Terminal: dev',
  state: { range: '5m', focusKey: null, paused: false, hiddenSeries: [] },
  now: T0 + 600_000,
  intervalMs: 1000,
  sessionStart: T0,
  markers: [],
  system: null,
  features: { alerts: false, leakVerdicts: false, handleInventory: false },
  ...overrides,
});

describe('bucketMsFor', () => {
  const cases: [Parameters<typeof bucketMsFor>, number][] = [
    [['1m', 1000, 0], 1000],
    [['5m', 1000, 0], 2000],
    [['15m', 1000, 0], 5000],
    [['1h', 1000, 0], 30_000],
    [['5m', 5000, 0], 5000],
    [['session', 1000, 10 * 60_000], 3000],
    [['session', 1000, 24 * 3_600_000], 600_000],
  ];
  for (const [args, expected] of cases) {
    it(`${args.join(', ')} -> ${expected} ms`, () => assert.equal(bucketMsFor(...args), expected));
  }
});

describe('bucketByTime', () => {
  it('folds samples into aligned buckets with mean and max, and keeps gaps as NaN', () => {
    const b = bucketByTime([1000, 1500, 2000, 2500, 3000], [1, 3, NaN, NaN, 5], [1, 3, NaN, NaN, 9], 1000);
    assert.deepEqual(b.times, [1500, 2500, 3000]);
    assert.deepEqual(b.values.slice(0, 1), [2]);
    assert.ok(Number.isNaN(b.values[1]!));
    assert.deepEqual(b.maxima.filter((m) => !Number.isNaN(m)), [3, 9]);
  });
});

describe('roundForWire', () => {
  const cases: [number, number | null][] = [
    [12.345678, 12.35],
    [0.0123456, 0.01235],
    [123456.7, 123457],
    [0, 0],
    [NaN, null],
    [Infinity, null],
  ];
  for (const [value, expected] of cases) it(`${value} -> ${expected}`, () => assert.equal(roundForWire(value), expected));
});

describe('buildHydration', () => {
  it('carries the markers of the range only, and they validate', () => {
    const now = T0 + 600_000;
    const marker = (id: string, time: number) => ({ id, time, kind: 'majorGc' as const, processKey: `10@${T0}`, label: id });
    const message = buildHydration(input([processWith(10, ['cpuPercent', 'rssBytes'], 601)], { now, markers: [marker('old', now - 301_000), marker('in', now - 299_000)] }));
    assert.deepEqual(message.markers.map((m) => m.id), ['in']);
    assert.ok(parseToWebview(message).ok);
  });

  it('sends the range downsampled to at most ~200 points per series with maxima, and validates', () => {
    const p = processWith(10, ['cpuPercent', 'rssBytes'], 601);
    const message = buildHydration(input([p], { state: { range: '15m', focusKey: null, paused: false, hiddenSeries: [] } }));
    assert.equal(message.bucketMs, 5000);
    const history = message.history[0]!;
    assert.ok(history.times.length <= 200 && history.times.length >= 100, `${history.times.length} points`);
    assert.equal(history.series.cpuPercent!.values.length, history.times.length);
    assert.ok(history.series.cpuPercent!.maxima, 'bucketed points carry maxima');
    assert.equal(history.times.at(-1), T0 + 600_000, 'the newest sample stays exact');
    assert.ok(parseToWebview(message).ok);
  });

  it('keeps full resolution and no maxima when the range fits', () => {
    const message = buildHydration(input([processWith(10, ['cpuPercent', 'rssBytes'], 601)], { state: { range: '1m', focusKey: null, paused: false, hiddenSeries: [] } }));
    const history = message.history[0]!;
    assert.equal(history.times.length, 61);
    assert.equal(history.series.cpuPercent!.maxima, undefined);
  });

  it('leaves out series that are all gaps (no agent) and lights up unknown series generically', () => {
    const plain = processWith(10, ['cpuPercent', 'rssBytes', 'heapUsedBytes'], 30);
    const agent = processWith(11, ['cpuPercent', 'rssBytes', 'heapUsedBytes', 'fancyNewCount'], 30, { agent: true });
    const message = buildHydration(input([plain, agent], { now: T0 + 29_000 }));
    assert.deepEqual(Object.keys(message.history[0]!.series), ['cpuPercent', 'rssBytes']);
    assert.deepEqual(Object.keys(message.history[1]!.series).sort(), ['cpuPercent', 'fancyNewCount', 'heapUsedBytes', 'rssBytes']);
    assert.deepEqual(message.catalog.map((d) => d.key), ['cpuPercent', 'rssBytes', 'heapUsedBytes', 'fancyNewCount']);
    assert.equal(message.catalog[3]!.chart, 'series:fancyNewCount');
    assert.equal(message.processes[1]!.agent, true);
    assert.equal(message.processes[0]!.agent, false);
  });

  it('reads the archive for the part of the range the full-resolution ring no longer holds', () => {
    const p = processWith(10, ['cpuPercent', 'rssBytes'], 600, { recent: 60 });
    const message = buildHydration(input([p], { state: { range: '15m', focusKey: null, paused: false, hiddenSeries: [] }, now: T0 + 599_000 }));
    const times = message.history[0]!.times;
    assert.ok(times[0]! <= T0 + 30_000, `starts at the first archived bucket (${times[0]! - T0})`);
    assert.ok(message.history[0]!.series.cpuPercent!.maxima, 'archive buckets carry maxima');
  });

  it('still gives CPU and memory charts when nothing is watched', () => {
    const message = buildHydration(input([]));
    assert.deepEqual(message.catalog.map((d) => d.key), ['cpuPercent', 'rssBytes']);
    assert.deepEqual(message.history, []);
  });
});

describe('catalogOf and describeSeries', () => {
  it('describes known series with units and shared charts', () => {
    assert.equal(describeSeries('heapAfterGcBytes').chart, describeSeries('heapUsedBytes').chart);
    assert.equal(describeSeries('rssBytes').unit, 'bytes');
    assert.equal(describeSeries('eventLoopUtilization').unit, 'ratio');
    assert.equal(describeSeries('queueBytes').unit, 'bytes');
    assert.equal(describeSeries('__proto__').chart, 'series:__proto__');
  });

  it('counts a series with only a latest value (no bucket yet)', () => {
    const p = processWith(1, ['cpuPercent', 'rssBytes', 'activeHandles'], 1, { agent: true });
    assert.ok(catalogOf([], [p]).some((d) => d.key === 'activeHandles'));
  });
});

describe('TickDeltaBuilder', () => {
  it('sends appeared, changed and exited rows once, and one value per series', () => {
    const a = processWith(1, ['cpuPercent', 'rssBytes', 'heapUsedBytes'], 5);
    const b = processWith(2, ['cpuPercent', 'rssBytes', 'heapUsedBytes'], 5);
    const builder = new TickDeltaBuilder();
    builder.reset(buildHydration(input([a])));
    let origin = 'Terminal: dev';
    const first = builder.build(T0 + 5000, [a, b], () => origin);
    assert.deepEqual(first.appeared.map((r) => r.pid), [2]);
    assert.deepEqual(first.changed, []);
    assert.deepEqual(first.samples.map((s) => s.key), [a.key, b.key]);
    assert.deepEqual(first.samples[0]!.values, { cpuPercent: 5, rssBytes: 5 }, 'gaps are left out');
    assert.deepEqual(first.newSeries, []);
    assert.ok(parseToWebview(first).ok);

    origin = 'Orphaned';
    const second = builder.build(T0 + 6000, [b], () => origin);
    assert.deepEqual(second.appeared, []);
    assert.deepEqual(second.changed.map((r) => r.origin), ['Orphaned']);
    assert.deepEqual(second.exited, [a.key]);
    assert.deepEqual(builder.build(T0 + 7000, [b], () => origin).changed, [], 'a change is sent once');
  });

  it('announces a series the first time it has a value (an agent connected)', () => {
    const p = processWith(1, ['cpuPercent', 'rssBytes', 'heapUsedBytes'], 3);
    const builder = new TickDeltaBuilder();
    builder.reset(buildHydration(input([p])));
    p.history.append(T0 + 3000, { cpuPercent: 1, rssBytes: 2, heapUsedBytes: 3 });
    const tick = builder.build(T0 + 3000, [p], () => null);
    assert.deepEqual(tick.newSeries.map((d) => d.key), ['heapUsedBytes']);
    assert.deepEqual(builder.build(T0 + 3000, [p], () => null).newSeries, []);
  });

  it('stays far below 16 KB per tick for 10 processes x 8 series', () => {
    const keys = ['cpuPercent', 'rssBytes', 'heapUsedBytes', 'heapTotalBytes', 'heapAfterGcBytes', 'externalBytes', 'eventLoopDelayP99Ms', 'activeHandles'];
    const processes = Array.from({ length: 10 }, (_, i) => processWith(100 + i, keys, 3, { agent: true }));
    const builder = new TickDeltaBuilder();
    builder.reset(buildHydration(input(processes)));
    const bytes = Buffer.byteLength(JSON.stringify(builder.build(T0 + 3000, processes, () => 'Terminal: dev')));
    assert.ok(bytes < 16 * 1024, `${bytes} bytes`);
  });
});

describe('originsByProcessKey', () => {
  it('attributes every process under an origin group to that group', () => {
    const node = (id: string, label: string, children: ProcessTreeNode[], processKey?: string): ProcessTreeNode => ({ id, label, contextValue: 'x', description: '', tooltip: '', children, ...(processKey ? { processKey } : {}) });
    const tree = [node('t', 'Terminal: dev', [node('a', 'a', [node('b', 'b', [], '2@1')], '1@1')]), node('w', 'Watched', [node('c', 'c', [], '3@1')])];
    assert.deepEqual([...originsByProcessKey(tree)], [['1@1', 'Terminal: dev'], ['2@1', 'Terminal: dev'], ['3@1', 'Watched']]);
  });
});

describe('snapshotOf', () => {
  it('turns what a platform cannot give into null', () => {
    assert.deepEqual(snapshotOf({ time: 1, cpuPercent: undefined, cpuCount: 2, memory: undefined, loadAverage: undefined, disk: undefined }), {
      time: 1,
      cpuPercent: null,
      cpuCount: 2,
      memory: null,
      loadAverage: null,
      disk: null,
    });
  });
});
