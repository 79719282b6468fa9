import { strict as assert } from 'node:assert';
import { AlertEngine, type AlertChangeEvent } from '../../../src/monitor/alerts/AlertEngine';
import { DEFAULT_THRESHOLDS, readRule, reportedLeak, type ProcessObservation } from '../../../src/monitor/alerts/AlertRules';
import type { LeakVerdict } from '../../../src/monitor/leaks/LeakVerdict';

const TIMING = { sustainSeconds: 30, cooldownSeconds: 300, escalateAfterSeconds: 600 };
const obs = (over: Partial<ProcessObservation> = {}): ProcessObservation => ({ processKey: '42@1000', pid: 42, name: 'node', ...over });

/** Drives an engine with a fake clock, one evaluation per second, recording every change. */
function harness(options: ConstructorParameters<typeof AlertEngine>[0] = {}) {
  const engine = new AlertEngine({ timing: TIMING, ...options });
  const changes: AlertChangeEvent[] = [];
  engine.onDidChange((e) => changes.push(e));
  let now = 1_000_000;
  return {
    engine,
    changes,
    kinds: () => changes.map((c) => `${c.change}:${c.alert.rule}:${c.alert.severity}`),
    /** Evaluates `seconds` times, one second apart, with the same observation(s). */
    run(seconds: number, ...o: ProcessObservation[]) {
      for (let i = 0; i < seconds; i++) {
        engine.evaluate(now, o);
        now += 1000;
      }
    },
    get now() {
      return now;
    },
  };
}

describe('AlertEngine', () => {
  it('fires only after the condition held for the sustain period', () => {
    const h = harness();
    h.run(30, obs({ cpuPercent: 95 }));
    assert.deepEqual(h.kinds(), []);
    h.run(1, obs({ cpuPercent: 95 }));
    assert.deepEqual(h.kinds(), ['fired:cpu:warning']);
    assert.match(h.engine.active()[0].message, /^CPU 95% \(over 90%\)$/);
  });

  it('restarts the sustain period when the condition lapses', () => {
    const h = harness();
    h.run(20, obs({ cpuPercent: 95 }));
    h.run(1, obs({ cpuPercent: 50 }));
    h.run(25, obs({ cpuPercent: 95 }));
    assert.deepEqual(h.kinds(), []);
  });

  it('keeps one open alert per process and rule (dedup), and one per process', () => {
    const h = harness();
    h.run(120, obs({ cpuPercent: 95 }), obs({ processKey: '43@1', pid: 43, cpuPercent: 99 }));
    assert.deepEqual(h.kinds(), ['fired:cpu:warning', 'fired:cpu:warning']);
    assert.equal(h.engine.active().length, 2);
  });

  it('resolves with hysteresis: between 90% and 100% of the threshold it stays open', () => {
    const h = harness();
    h.run(31, obs({ cpuPercent: 95 }));
    h.run(60, obs({ cpuPercent: 85 })); // below 90 but above the clear level of 81
    assert.equal(h.engine.active().length, 1);
    h.run(30, obs({ cpuPercent: 70 }));
    assert.equal(h.engine.active().length, 1, 'clear must hold for the sustain period');
    h.run(1, obs({ cpuPercent: 70 }));
    assert.deepEqual(h.kinds(), ['fired:cpu:warning', 'resolved:cpu:warning']);
    assert.equal(h.engine.resolved().length, 1);
  });

  it('stays quiet during the cooldown after a resolve, then may fire again', () => {
    const h = harness();
    h.run(31, obs({ cpuPercent: 95 }));
    h.run(31, obs({ cpuPercent: 10 }));
    h.run(200, obs({ cpuPercent: 95 }));
    assert.deepEqual(h.kinds(), ['fired:cpu:warning', 'resolved:cpu:warning']);
    h.run(120, obs({ cpuPercent: 95 }));
    assert.deepEqual(h.kinds(), ['fired:cpu:warning', 'resolved:cpu:warning', 'fired:cpu:warning']);
  });

  it('escalates once when it persists, and again when it worsens', () => {
    const h = harness();
    h.run(31, obs({ rssBytes: 2.2 * 1024 ** 3 }));
    h.run(600, obs({ rssBytes: 2.2 * 1024 ** 3 }));
    assert.deepEqual(h.kinds(), ['fired:rss:warning', 'escalated:rss:error']);
    h.run(1, obs({ rssBytes: 3.4 * 1024 ** 3 }));
    assert.deepEqual(h.kinds(), ['fired:rss:warning', 'escalated:rss:error', 'escalated:rss:error']);
    assert.equal(h.engine.active()[0].escalations, 2);
    assert.equal(h.engine.active()[0].peakValue, 3.4 * 1024 ** 3);
  });

  it('acknowledging silences an alert until it escalates, and survives a reload by key', () => {
    const h = harness();
    h.run(31, obs({ eventLoopDelayP99Ms: 300 }));
    const [alert] = h.engine.active();
    assert.ok(h.engine.acknowledge(alert.id, h.now));
    assert.equal(h.engine.acknowledge(alert.id, h.now), false, 'acknowledging twice does nothing');
    assert.equal(h.engine.active()[0].state, 'acknowledged');
    const keys = h.engine.acknowledgedKeys();
    assert.deepEqual(keys, ['42@1000|eventLoopDelay']);

    // A reloaded window starts a new engine with the kept keys: the same alert comes back acknowledged.
    const reloaded = harness({ acknowledgedKeys: keys });
    reloaded.run(31, obs({ eventLoopDelayP99Ms: 300 }));
    assert.equal(reloaded.engine.active()[0].state, 'acknowledged');
    // Worse than before: it needs attention again.
    reloaded.run(1, obs({ eventLoopDelayP99Ms: 500 }));
    assert.equal(reloaded.engine.active()[0].state, 'firing');
    assert.deepEqual(reloaded.engine.acknowledgedKeys(), []);
  });

  it('resolves by hand, with the cooldown, and when the process exits', () => {
    const h = harness();
    h.run(31, obs({ activeHandles: 9000 }), obs({ processKey: '7@1', pid: 7, activeHandles: 9000 }));
    const [first] = h.engine.active();
    assert.ok(h.engine.resolveById(first.id, h.now));
    assert.equal(h.engine.resolveById(first.id, h.now), false);
    h.engine.processExited(h.now, '7@1');
    assert.equal(h.engine.active().length, 0);
    h.run(60, obs({ activeHandles: 9000 }));
    assert.equal(h.engine.active().length, 0, 'cooldown after a manual resolve');
  });

  it('closes an alert whose figure disappeared (agent gone, rule turned off)', () => {
    const h = harness();
    h.run(31, obs({ heapUsedBytes: 1.5 * 1024 ** 3 }));
    h.run(1, obs({}));
    assert.deepEqual(h.kinds(), ['fired:heap:warning', 'resolved:heap:warning']);
  });

  it('turns a leak verdict into an alert at once, an error when the heap limit is near', () => {
    const leak = (over: Partial<LeakVerdict> = {}): LeakVerdict => ({
      kind: 'heap', signal: 'heapAfterGc', state: 'leak', rate: 64 * 1024, rateLow: 50 * 1024, rateHigh: 80 * 1024, confidence: 0.99, time: 0, ...over,
    });
    const h = harness();
    h.run(31, obs({ leakVerdicts: [leak({ confidence: 0.5 })] }));
    assert.deepEqual(h.kinds(), [], 'low confidence is not an alert');
    // The verdict already took 30 s of growth: the alert does not wait another sustain period.
    h.run(1, obs({ leakVerdicts: [leak()] }));
    assert.deepEqual(h.kinds(), ['fired:leak:warning']);
    h.run(30, obs({ leakVerdicts: [leak()] }));
    assert.deepEqual(h.kinds(), ['fired:leak:warning']);
    assert.match(h.engine.active()[0].message, /^heap leak: heapAfterGc grows 64\.0 KB\/s \(99% confidence\)$/);
    h.run(1, obs({ leakVerdicts: [leak({ secondsToLimit: 300 })] }));
    assert.deepEqual(h.kinds(), ['fired:leak:warning', 'escalated:leak:error']);
    // Warming up is not "cleared": the alert stays until every signal is steady.
    h.run(40, obs({ leakVerdicts: [leak({ state: 'warming-up' })] }));
    assert.equal(h.engine.active().length, 1);
    h.run(31, obs({ leakVerdicts: [leak({ state: 'steady' })] }));
    assert.equal(h.engine.active().length, 0);
  });
});

describe('reportedLeak (which of several leaking signals an alert names)', () => {
  const v = (signal: LeakVerdict['signal'], over: Partial<LeakVerdict> = {}): LeakVerdict => ({
    kind: signal === 'external' ? 'external' : 'heap', signal, state: 'leak', rate: 1024, rateLow: 900, rateHigh: 1200, confidence: 0.95, time: 0, ...over,
  });
  const cases: [string, LeakVerdict[], LeakVerdict['signal']][] = [
    ['the one nearest the heap limit', [v('external', { secondsToLimit: 900 }), v('heapAfterGc', { secondsToLimit: 300 })], 'heapAfterGc'],
    ['a known limit before an unknown one', [v('external', { confidence: 0.99 }), v('heapAfterGc', { secondsToLimit: 3000, confidence: 0.9 })], 'heapAfterGc'],
    ['then the most confident', [v('external', { confidence: 0.9 }), v('heapAfterGc', { confidence: 0.99 })], 'heapAfterGc'],
    ['heap after GC over heapUsed, even when heapUsed is nearer the limit', [v('heapUsed', { secondsToLimit: 100, confidence: 0.999 }), v('heapAfterGc', { secondsToLimit: 200 })], 'heapAfterGc'],
    ['heapUsed when it is the only heap signal leaking', [v('heapUsed', { secondsToLimit: 100 }), v('external', { secondsToLimit: 200 })], 'heapUsed'],
  ];
  for (const [name, leaks, expected] of cases) {
    it(name, () => {
      assert.equal(reportedLeak(leaks).signal, expected);
      assert.equal(reportedLeak([...leaks].reverse()).signal, expected, 'whatever order the detectors came in');
    });
  }
});

describe('readRule', () => {
  const cases: Array<[string, Parameters<typeof readRule>[0], Partial<ProcessObservation>, { breached: boolean; cleared: boolean; severity?: string } | undefined]> = [
    ['CPU under the clear level', 'cpu', { cpuPercent: 50 }, { breached: false, cleared: true }],
    ['CPU between clear level and threshold', 'cpu', { cpuPercent: 85 }, { breached: false, cleared: false }],
    ['CPU over', 'cpu', { cpuPercent: 95 }, { breached: true, cleared: false, severity: 'warning' }],
    ['CPU twice over is an error', 'cpu', { cpuPercent: 190 }, { breached: true, cleared: false, severity: 'error' }],
    ['an unknown figure reads nothing', 'heap', {}, undefined],
    ['HTTP errors need enough requests', 'httpErrors', { httpRequests: 5, http5xx: 5 }, undefined],
    ['HTTP 7% errors', 'httpErrors', { httpRequests: 100, http5xx: 7 }, { breached: true, cleared: false, severity: 'warning' }],
    ['HTTP no errors', 'httpErrors', { httpRequests: 100, http5xx: 0 }, { breached: false, cleared: true }],
    ['NaN reads nothing', 'cpu', { cpuPercent: NaN }, undefined],
  ];
  for (const [name, rule, o, expected] of cases) {
    it(name, () => {
      const reading = readRule(rule, obs(o), DEFAULT_THRESHOLDS);
      if (!expected) return assert.equal(reading, undefined);
      assert.ok(reading);
      assert.equal(reading.breached, expected.breached);
      assert.equal(reading.cleared, expected.cleared);
      if (expected.severity) assert.equal(reading.severity, expected.severity);
    });
  }

  it('a rule with threshold 0 is off', () => {
    assert.equal(readRule('cpu', obs({ cpuPercent: 500 }), { ...DEFAULT_THRESHOLDS, cpuPercent: 0 }), undefined);
  });
});
