import { strict as assert } from 'node:assert';
import { GC_KINDS, type GcKind, type GcKindTotals } from '../../../src/agent/agentProtocol';
import { ALERT_MARKERS, ChartMarkerLog, MAJOR_GC_MARKERS_PER_THREAD, MarkerDeltaBuilder, type AlertForMarker, type VerdictsOf } from '../../../src/extension/dashboard/chartMarkers';
import { DashboardStore } from '../../../src/webview/DashboardStore';
import { PROTOCOL_LIMITS, PROTOCOL_VERSION, parseToWebview, type ChartMarker } from '../../../src/webview/protocol';

const T0 = 1_700_000_000_000;
const P = `100@${T0}`;
const Q = `200@${T0}`;

function report(time: number, majorCount: number, pauseMs = 3) {
  const gc = Object.fromEntries(GC_KINDS.map((k) => [k, { count: k === 'major' ? majorCount : 0, pauseMs: k === 'major' ? pauseMs : 0 }])) as Record<GcKind, GcKindTotals>;
  return { time, gc };
}

function alert(id: string, firedAt: number, processKey = P): AlertForMarker {
  return { id, processKey, pid: 100, processName: 'node', rule: 'heap', severity: 'warning', message: 'heap above 512 MB', firedAt };
}

describe('ChartMarkerLog: major GCs from agent reports', () => {
  // [major-GC counts of successive reports, the markers expected (report index, collections)]
  const cases: [string, number[], [number, number][]][] = [
    ['the first report only sets the baseline', [5], []],
    ['an unchanged count is no event', [5, 5, 5], []],
    ['one more major GC is a marker at that report', [5, 6, 6], [[1, 1]]],
    ['several in one interval are one marker', [0, 3], [[1, 3]]],
    ['a lower count (agent restarted) is a new baseline, not an event', [9, 2, 3], [[2, 1]]],
    ['minor GCs alone are no event', [0, 0], []],
  ];
  for (const [name, counts, expected] of cases) {
    it(name, () => {
      const log = new ChartMarkerLog();
      const made = counts.map((count, i) => log.observeAgentReport(P, 0, report(T0 + i * 1000, count)));
      const got = made.flatMap((m, i) => (m ? [[i, m]] as const : []));
      assert.deepEqual(got.map(([i]) => i), expected.map(([i]) => i));
      for (const [[, marker], [, collections]] of got.map((g, k) => [g, expected[k]!] as const)) {
        assert.equal(marker.kind, 'majorGc');
        assert.equal(marker.processKey, P);
        assert.match(marker.label, collections === 1 ? /^Major GC,/ : new RegExp(`^${collections} major GCs`));
      }
      assert.deepEqual(log.markers([P], Number.NEGATIVE_INFINITY).map((m) => m.time), expected.map(([i]) => T0 + i * 1000));
    });
  }

  it('says the pause is estimated when the agent sampled the GCs, and not otherwise', () => {
    const log = new ChartMarkerLog();
    log.observeAgentReport(P, 0, report(T0, 1));
    const observed = log.observeAgentReport(P, 0, report(T0 + 1000, 2, 7));
    const sampled = log.observeAgentReport(P, 0, { ...report(T0 + 2000, 3, 9), gcSampling: { observedFraction: 0.05, intervalObserved: false } });
    assert.equal(observed!.label, 'Major GC, 7 ms paused in major GCs so far');
    assert.equal(sampled!.label, 'Major GC, 9 ms paused in major GCs so far (estimated: GCs are sampled)');
  });

  it('counts each worker thread separately and says which', () => {
    const log = new ChartMarkerLog();
    log.observeAgentReport(P, 0, report(T0, 1));
    log.observeAgentReport(P, 3, report(T0, 7));
    log.observeAgentReport(P, 3, report(T0 + 1000, 8));
    const markers = log.markers([P], 0);
    assert.equal(markers.length, 1);
    assert.match(markers[0]!.label, /worker 3/);
  });

  it(`keeps at most ${MAJOR_GC_MARKERS_PER_THREAD} per thread, the newest`, () => {
    const log = new ChartMarkerLog();
    for (let i = 0; i <= MAJOR_GC_MARKERS_PER_THREAD + 50; i++) log.observeAgentReport(P, 0, report(T0 + i * 1000, i));
    const markers = log.markers([P], 0);
    assert.equal(markers.length, MAJOR_GC_MARKERS_PER_THREAD);
    assert.equal(markers.at(-1)!.time, T0 + (MAJOR_GC_MARKERS_PER_THREAD + 50) * 1000);
  });

  it('forgets processes that are no longer watched', () => {
    const log = new ChartMarkerLog();
    log.observeAgentReport(P, 0, report(T0, 1));
    log.observeAgentReport(P, 0, report(T0 + 1000, 2));
    log.observeAlerts([alert('a1', T0)]);
    log.retainProcesses(new Set([Q]));
    assert.deepEqual(log.markers([P, Q], 0), []);
    // Its baseline went too: the next report of a reused key starts over.
    assert.equal(log.observeAgentReport(P, 0, report(T0 + 2000, 3)), undefined);
  });
});

describe('ChartMarkerLog: alerts and leak onsets', () => {
  it('marks each alert once, at the time it fired, and keeps it after it resolves', () => {
    const log = new ChartMarkerLog();
    log.observeAlerts([alert('a1', T0 + 5000)]);
    log.observeAlerts([alert('a1', T0 + 5000), alert('a2', T0 + 9000)]);
    log.observeAlerts([]); // both resolved
    const markers = log.markers([P], 0);
    assert.deepEqual(markers.map((m) => [m.id, m.kind, m.time]), [['alert:a1', 'alert', T0 + 5000], ['alert:a2', 'alert', T0 + 9000]]);
    assert.match(markers[0]!.label, /Warning alert heap: node \(100\) heap above 512 MB/);
  });

  it(`keeps at most ${ALERT_MARKERS} alerts`, () => {
    const log = new ChartMarkerLog();
    log.observeAlerts(Array.from({ length: ALERT_MARKERS + 10 }, (_, i) => alert(`a${i}`, T0 + i)));
    assert.equal(log.markers([P], 0).length, ALERT_MARKERS);
  });

  it('takes leak onsets from the current verdicts: only leaks with an onset, moved when the estimate moves', () => {
    const log = new ChartMarkerLog();
    let onset = T0 + 60_000;
    const verdicts: VerdictsOf = (key) =>
      key === P
        ? [
            { kind: 'heap', state: 'leak', rate: 2048, confidence: 0.93, onsetTime: onset },
            { kind: 'rss', state: 'steady', rate: 0, confidence: 0.2, onsetTime: undefined },
            { kind: 'handles', state: 'leak', rate: 0.5, confidence: 0.8, onsetTime: undefined },
          ]
        : [];
    const first = log.markers([P, Q], 0, verdicts);
    assert.deepEqual(first.map((m) => [m.id, m.kind, m.time]), [[`leak:${P}:heap`, 'leakOnset', T0 + 60_000]]);
    assert.match(first[0]!.label, /heap leak .*2\.00 KB\/s, confidence 93%/);
    onset = T0 + 50_000;
    assert.equal(log.markers([P], 0, verdicts)[0]!.time, T0 + 50_000);
  });

  it('leaves out markers before fromTime and of processes not asked for, and sorts by time', () => {
    const log = new ChartMarkerLog();
    log.observeAlerts([alert('late', T0 + 20_000), alert('early', T0 + 1000), alert('other', T0 + 15_000, Q)]);
    log.observeAgentReport(P, 0, report(T0 + 9000, 1));
    log.observeAgentReport(P, 0, report(T0 + 10_000, 2));
    assert.deepEqual(log.markers([P], T0 + 5000).map((m) => m.id), [`gc:${P}:0:2`, 'alert:late']);
  });

  it('every marker it makes passes the page validation', () => {
    const log = new ChartMarkerLog();
    log.observeAlerts([{ ...alert('a', T0), message: 'x'.repeat(2000) }]);
    log.observeAgentReport(P, 0, report(T0, 1));
    log.observeAgentReport(P, 0, report(T0 + 1000, 2));
    const markers = log.markers([P], 0, () => [{ kind: 'external', state: 'leak', rate: 1e6, confidence: 1, onsetTime: T0 }]);
    assert.equal(markers.length, 3);
    const parsed = parseToWebview({ v: PROTOCOL_VERSION, type: 'markers', markers, removed: [] });
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  });
});

describe('MarkerDeltaBuilder', () => {
  const m = (id: string, time: number, label = id): ChartMarker => ({ id, time, kind: 'alert', processKey: P, label });

  it('sends nothing when nothing changed since the hydration', () => {
    const deltas = new MarkerDeltaBuilder();
    deltas.reset([m('a', 10), m('b', 20)]);
    assert.equal(deltas.build([m('a', 10), m('b', 20)], 0), undefined);
  });

  it('sends new and moved markers, and the ids of removed ones', () => {
    const deltas = new MarkerDeltaBuilder();
    deltas.reset([m('a', 10), m('b', 20)]);
    assert.deepEqual(deltas.build([m('a', 12), m('c', 30)], 0), { markers: [m('a', 12), m('c', 30)], removed: ['b'] });
    assert.equal(deltas.build([m('a', 12), m('c', 30)], 0), undefined);
  });

  it('forgets markers that left the time range without telling the page (it trims them itself)', () => {
    const deltas = new MarkerDeltaBuilder();
    deltas.reset([m('old', 10), m('new', 100)]);
    assert.equal(deltas.build([m('new', 100)], 50), undefined);
  });

  it('a reset forgets what the previous page had', () => {
    const deltas = new MarkerDeltaBuilder();
    deltas.reset([m('a', 10)]);
    deltas.reset([]);
    assert.deepEqual(deltas.build([m('a', 10)], 0), { markers: [m('a', 10)], removed: [] });
  });
});

describe('DashboardStore.applyMarkers (the page side)', () => {
  function storeAt(now: number, range: '1m' | 'session' = '1m'): DashboardStore {
    const store = new DashboardStore();
    store.state = { ...store.state, range };
    store.now = now;
    return store;
  }
  const m = (id: string, time: number, label = id): ChartMarker => ({ id, time, kind: 'majorGc', processKey: P, label });

  it('adds, replaces by id, removes, and keeps them sorted by time', () => {
    const store = storeAt(T0 + 60_000);
    store.applyMarkers({ markers: [m('b', T0 + 30_000), m('a', T0 + 20_000)], removed: [] });
    store.applyMarkers({ markers: [m('a', T0 + 40_000, 'moved')], removed: ['b', 'unknown'] });
    assert.deepEqual(store.markers.map((x) => [x.id, x.time, x.label]), [['a', T0 + 40_000, 'moved']]);
  });

  it('drops markers older than the range', () => {
    const store = storeAt(T0 + 120_000);
    store.applyMarkers({ markers: [m('old', T0), m('new', T0 + 100_000)], removed: [] });
    assert.deepEqual(store.markers.map((x) => x.id), ['new']);
  });

  it(`keeps at most ${PROTOCOL_LIMITS.markers}, the newest`, () => {
    const store = storeAt(T0 + 10_000_000, 'session');
    for (let batch = 0; batch < 3; batch++) {
      store.applyMarkers({ markers: Array.from({ length: 1000 }, (_, i) => m(`${batch}:${i}`, T0 + batch * 1000 + i)), removed: [] });
    }
    assert.equal(store.markers.length, PROTOCOL_LIMITS.markers);
    assert.equal(store.markers.at(-1)!.id, '2:999');
  });

  it('visibleMarkers: those of shown rows (or the focused one) and of no process, and it follows every change', () => {
    const store = storeAt(T0 + 60_000);
    const row = (key: string) => ({ key }) as unknown as Parameters<typeof store.rows.set>[1];
    store.rows.set(P, row(P));
    const ofQ: ChartMarker = { ...m('q', T0 + 10_000), processKey: Q };
    const global: ChartMarker = { ...m('all', T0 + 15_000), kind: 'alert', processKey: null };
    store.applyMarkers({ markers: [m('p', T0 + 20_000), ofQ, global], removed: [] });
    const ids = () => store.visibleMarkers().map((x) => x.id);
    assert.deepEqual(ids(), ['all', 'p'], 'Q is not a row of the table');
    assert.equal(store.visibleMarkers(), store.visibleMarkers(), 'worked out once while nothing changed');

    store.rows.set(Q, row(Q));
    store.structureVersion++;
    assert.deepEqual(ids(), ['q', 'all', 'p']);
    store.state = { ...store.state, focusKey: Q };
    assert.deepEqual(ids(), ['q', 'all']);
    store.applyMarkers({ markers: [{ ...ofQ, id: 'q2', time: T0 + 50_000 }], removed: ['q'] });
    assert.deepEqual(ids(), ['all', 'q2']);
    store.now = T0 + 80_000; // the 1-minute range now starts after 'all'
    assert.deepEqual(ids(), ['q2']);
  });
});
