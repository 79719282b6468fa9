import { strict as assert } from 'node:assert';
import { LeakDetectorSet } from '../../../src/monitor/leaks/LeakDetectorSet';
import { LeakTrendDetector } from '../../../src/monitor/leaks/LeakTrendDetector';
import type { LeakVerdict } from '../../../src/monitor/leaks/LeakVerdict';

const MB = 1024 * 1024;
const T0 = 1_700_000_000_000;

/** A deterministic noise source (LCG), so a synthetic series is the same on every run. */
function noise(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32 - 0.5;
  };
}

/** Feeds value(t) at 1 Hz for `seconds`; returns every verdict with its t. */
function replay(value: (t: number) => number, seconds: number, detector = new LeakTrendDetector('heap', 'heapUsed')): Array<LeakVerdict & { t: number }> {
  const verdicts: Array<LeakVerdict & { t: number }> = [];
  for (let t = 0; t <= seconds; t++) {
    const v = detector.add(T0 + t * 1000, value(t));
    if (v) verdicts.push({ ...v, t });
  }
  return verdicts;
}

const firstLeak = (verdicts: Array<LeakVerdict & { t: number }>) => verdicts.find((v) => v.state === 'leak');

describe('LeakTrendDetector on synthetic series', () => {
  const r = noise(42);
  const sawtooth = (t: number, period: number, amplitude: number) => ((t % period) / period) * amplitude;
  const healthy: Array<[string, (t: number) => number]> = [
    ['a flat heap with noise', () => 50 * MB + r() * 2 * MB],
    ['a GC saw-tooth (10 MB every 20 s) on a flat floor', (t) => 40 * MB + sawtooth(t, 20, 10 * MB) + r() * MB],
    ['a 40 s warm-up to 30 MB, then a plateau', (t) => 10 * MB + Math.min(t, 40) * 0.75 * MB + r() * MB],
    ['saturating growth (30 MB bound, time constant 30 s)', (t) => 10 * MB + 30 * MB * (1 - Math.exp(-t / 30)) + r() * 0.5 * MB],
    ['bursts of 60 MB for 4 s every 15 s', (t) => 30 * MB + (t % 15 < 4 ? 60 * MB : 0) + r() * MB],
    ['one step of 5 MB at 100 s', (t) => 30 * MB + (t >= 100 ? 5 * MB : 0) + r() * 0.2 * MB],
    ['slow drift below the practical floor (500 B/s)', (t) => 30 * MB + 500 * t + r() * 1000],
    // Significant (it never wobbles) and above the rate floor, but 0.5 MB in the 3-minute window.
    ['a clean 8 KB/s rise for 60 s after a flat start, then flat', (t) => 30 * MB + 8_000 * Math.min(Math.max(0, t - 100), 60)],
  ];
  for (const [what, series] of healthy) {
    it(`never calls ${what} a leak`, () => {
      const verdicts = replay(series, 600);
      assert.equal(firstLeak(verdicts), undefined, JSON.stringify(firstLeak(verdicts)));
      assert.equal(verdicts.at(-1)!.state, 'steady');
    });
  }

  const leaking: Array<[string, (t: number) => number, { rate: number; onset: number; within: number }]> = [
    ['a steady 200 KB/s leak', (t) => 30 * MB + 200_000 * t + r() * 2 * MB, { rate: 200_000, onset: 0, within: 70 }],
    ['a slow 30 KB/s leak under 1 MB of noise', (t) => 30 * MB + 30_000 * t + r() * MB, { rate: 30_000, onset: 0, within: 120 }],
    ['a 100 KB/s leak hidden in a 10 MB saw-tooth', (t) => 40 * MB + sawtooth(t, 20, 10 * MB) + 100_000 * t, { rate: 100_000, onset: 0, within: 100 }],
    ['a leak starting at 200 s after a flat start', (t) => 30 * MB + Math.max(0, t - 200) * 100_000 + r() * MB, { rate: 100_000, onset: 200, within: 60 }],
    ['a staircase of 4 MB every 30 s', (t) => 30 * MB + Math.floor(t / 30) * 4 * MB + r() * 0.5 * MB, { rate: 4 * MB / 30, onset: 0, within: 150 }],
  ];
  for (const [what, series, expected] of leaking) {
    it(`finds ${what}, its rate and its onset`, () => {
      const verdicts = replay(series, 600);
      const leak = firstLeak(verdicts);
      assert.ok(leak, 'no leak verdict');
      assert.ok(leak.t >= expected.onset && leak.t <= Math.max(expected.onset, 60) + expected.within, `detected at ${leak.t} s`);
      const last = verdicts.at(-1)!;
      assert.equal(last.state, 'leak');
      assert.ok(last.rateLow <= expected.rate * 1.1 && last.rateHigh >= expected.rate * 0.9, `rate ${last.rate} [${last.rateLow}, ${last.rateHigh}]`);
      assert.ok(Math.abs((leak.onsetTime! - T0) / 1000 - expected.onset) <= 40, `onset ${(leak.onsetTime! - T0) / 1000} s`);
    });
  }

  it('calls the same rise a leak once it has grown past the practical floor of 1 MiB', () => {
    const verdicts = replay((t) => 30 * MB + 8_000 * Math.max(0, t - 100), 600);
    const leak = firstLeak(verdicts);
    assert.ok(leak, 'no leak verdict');
    // 1 MiB at 8 KB/s takes 131 s of growth.
    assert.ok(leak.t >= 100 + 131, `detected at ${leak.t} s, before 1 MiB had been retained`);
  });

  it('is warming up until it has data and start-up is over', () => {
    const verdicts = replay((t) => 30 * MB + 200_000 * t, 50);
    assert.ok(verdicts.length > 0 && verdicts.every((v) => v.state === 'warming-up'));
  });

  it('calls growth that starts after a flat stretch without waiting for the start-up minute', () => {
    // Flat for 20 s, then 150 KB/s: a change point, not start-up.
    const verdicts = replay((t) => 30 * MB + Math.max(0, t - 20) * 150_000 + r() * 0.3 * MB, 120);
    const leak = firstLeak(verdicts);
    assert.ok(leak, 'no leak verdict');
    assert.ok(leak.t > 20 && leak.t < 60, `detected at ${leak.t} s`);
    assert.ok(Math.abs((leak.onsetTime! - T0) / 1000 - 20) <= 10, `onset ${(leak.onsetTime! - T0) / 1000} s`);
  });

  it('waits for the start-up minute when the growth began with the process, and says so', () => {
    const verdicts = replay((t) => 30 * MB + 150_000 * t + r() * 0.3 * MB, 120);
    const leak = firstLeak(verdicts)!;
    assert.ok(leak.t >= 60, `detected at ${leak.t} s`);
    assert.ok(verdicts.filter((v) => v.t < 60).every((v) => v.state === 'warming-up'));
  });

  it('drops a leak verdict when the growth saturates', () => {
    // Linear for 150 s, then saturating towards a bound: the leak is first called, then released.
    const value = (t: number) => 30 * MB + (t < 150 ? 100_000 * t : 15_000_000 + 6_000_000 * (1 - Math.exp(-(t - 150) / 60))) + r() * 0.2 * MB;
    const verdicts = replay(value, 500);
    assert.ok(firstLeak(verdicts), 'never called the linear part a leak');
    assert.equal(verdicts.at(-1)!.state, 'steady');
  });

  it('keeps a leak whose rate falls from 100 to 60 KB/s: it slowed, it did not stop', () => {
    const value = (t: number) => 30 * MB + (t < 150 ? 100_000 * t : 15_000_000 + 60_000 * (t - 150)) + r() * 0.5 * MB;
    const verdicts = replay(value, 400);
    const first = firstLeak(verdicts);
    assert.ok(first && first.t < 150, 'never called the leak');
    assert.deepEqual(verdicts.filter((v) => v.t > first.t && v.state !== 'leak').map((v) => `${v.t}: ${v.state}`), []);
  });

  it('projects the time to the limit when the limit is known', () => {
    const detector = new LeakTrendDetector('heap', 'heapAfterGc', undefined, 200 * MB);
    const last = replay((t) => 100 * MB + 100_000 * t, 120, detector).at(-1)!;
    assert.equal(last.state, 'leak');
    const expected = (200 * MB - (100 * MB + 100_000 * 120)) / 100_000;
    assert.ok(Math.abs(last.secondsToLimit! - expected) < 10, `${last.secondsToLimit} vs ${expected}`);
  });

  it('keeps bounded state: the cost of a sample does not grow with the length of the run', () => {
    const detector = new LeakTrendDetector('rss', 'rss');
    const windowTimes = (detector as unknown as { times: Float64Array }).times.length;
    replay((t) => 30 * MB + t * 1000, 5000, detector);
    assert.equal((detector as unknown as { times: Float64Array }).times.length, windowTimes);
  });
});

describe('LeakDetectorSet', () => {
  it('follows heap, external, RSS and each handle type; heapAfterGc only at new major GCs', () => {
    const set = new LeakDetectorSet();
    const changes: LeakVerdict[] = [];
    for (let t = 0; t <= 300; t++) {
      changes.push(...set.observe(T0 + t * 1000, {
        rssBytes: 80 * MB,
        heapUsedBytes: 20 * MB + (t % 10) * MB,
        // A major GC every 10 s; between GCs the agent repeats the last value.
        heapAfterGcBytes: 15 * MB,
        gcMajor: Math.floor(t / 10),
        externalBytes: 2 * MB,
        activeResources: { Timeout: 2 + Math.floor(t / 2), TCPSocketWrap: 4 },
      }));
    }
    const bySignal = new Map(set.verdicts().map((v) => [v.signal, v]));
    // RSS is not watched once the agent's heap figures explain the process's memory.
    assert.deepEqual([...bySignal.keys()].sort(), ['external', 'handles:TCPSocketWrap', 'handles:Timeout', 'heapAfterGc', 'heapUsed']);
    assert.equal(bySignal.get('handles:Timeout')!.state, 'leak');
    assert.ok(Math.abs(bySignal.get('handles:Timeout')!.rate - 0.5) < 0.05);
    for (const signal of ['heapUsed', 'heapAfterGc', 'external', 'handles:TCPSocketWrap'] as const) assert.equal(bySignal.get(signal)!.state, 'steady', signal);
    assert.ok(changes.some((v) => v.signal === 'handles:Timeout' && v.state === 'leak'));
  });

  /** heapUsed rising for `period` s between major GCs, back to `floor(t)` at each; heapAfterGc reports the floor. */
  function gcSawtooth(set: LeakDetectorSet, seconds: number, period: number, floor: (t: number) => number): LeakVerdict[] {
    const changes: LeakVerdict[] = [];
    for (let t = 0; t <= seconds; t++) {
      const cycle = Math.floor(t / period);
      const gcTime = cycle * period;
      changes.push(...set.observe(T0 + t * 1000, {
        heapUsedBytes: floor(t) + (t - gcTime) * 150_000,
        ...(cycle > 0 ? { heapAfterGcBytes: floor(gcTime), gcMajor: cycle } : { gcMajor: 0 }),
      }));
    }
    return changes;
  }

  it('does not call promoted garbage a leak: heapUsed rising for 90 s between major GCs that take it back', () => {
    const set = new LeakDetectorSet();
    const changes = gcSawtooth(set, 400, 90, () => 30 * MB);
    assert.deepEqual(changes.filter((v) => v.state === 'leak'), []);
    assert.equal(set.verdicts().find((v) => v.signal === 'heapUsed')!.state, 'steady');
  });

  it('confirms heapUsed growth as a leak at the first major GC that keeps it', () => {
    const set = new LeakDetectorSet();
    const changes = gcSawtooth(set, 400, 90, (t) => 30 * MB + t * 60_000);
    const leak = changes.find((v) => v.signal === 'heapUsed' && v.state === 'leak');
    assert.ok(leak, 'no heapUsed leak');
    assert.ok(leak.time >= T0 + 90_000, 'a leak before any major GC confirmed it');
  });

  it('does not take a major GC from before the growth\'s newest half as confirmation: one in start-up, then garbage for minutes', () => {
    // The live heap grows 60 KB/s for 20 s of start-up, then stays; a major GC at 10 s sees the
    // start-up growth; then garbage lifts heapUsed at 100 KB/s until the next major GC at 200 s.
    const live = (t: number) => 30 * MB + 60_000 * Math.min(t, 20);
    const set = new LeakDetectorSet();
    const changes: LeakVerdict[] = [];
    for (let t = 0; t <= 300; t++) {
      const gcTime = t < 10 ? 0 : t < 200 ? 10 : 200;
      changes.push(...set.observe(T0 + t * 1000, {
        heapUsedBytes: live(t) + (t - gcTime) * 100_000,
        gcMajor: gcTime === 0 ? 0 : gcTime === 10 ? 1 : 2,
        ...(gcTime > 0 ? { heapAfterGcBytes: live(gcTime) } : {}),
      }));
    }
    assert.deepEqual(changes.filter((v) => v.state === 'leak').map((v) => `${(v.time - T0) / 1000} s ${v.signal}`), []);
    assert.ok(changes.some((v) => v.signal === 'heapUsed' && v.suspected), 'the rise was never suspected');
  });

  it('confirms growth after a flat stretch by a major GC above the flat floor, before the floor at the growth\'s middle is beaten', () => {
    // Flat at 30 MB without a major GC for 90 s, then the live heap grows 100 KB/s and heapUsed's
    // floor carries 1.5 MB of promoted garbage on top of it; the first major GC comes 22 s into the growth.
    const live = (t: number) => 30 * MB + 100_000 * Math.max(0, t - 90);
    const run = (withGc: boolean) => {
      const set = new LeakDetectorSet();
      const changes: LeakVerdict[] = [];
      for (let t = 0; t <= 150; t++) {
        const collected = withGc && t >= 112;
        changes.push(...set.observe(T0 + t * 1000, {
          heapUsedBytes: live(t) + Math.min(1.5 * MB, 60_000 * Math.max(0, t - 90)) * (collected && t < 117 ? 0 : 1),
          gcMajor: collected ? 1 : 0,
          ...(collected ? { heapAfterGcBytes: live(112) } : {}),
        }));
      }
      return changes.find((v) => v.signal === 'heapUsed' && v.state === 'leak');
    };
    const leak = run(true);
    assert.ok(leak, 'no heapUsed leak');
    assert.ok(leak.time - T0 <= 130_000, `found ${(leak.time - T0) / 1000} s in, 40 s after the onset or later`);
    assert.equal(run(false), undefined, 'a leak before any major GC confirmed it');
  });

  it('projects the heap verdicts to the heap limit, also when the limit arrives after the first samples', () => {
    const feed = (set: LeakDetectorSet, from: number, to: number) => {
      for (let t = from; t <= to; t++) set.observe(T0 + t * 1000, { heapUsedBytes: 20 * MB + t * 200_000, heapAfterGcBytes: 20 * MB + Math.floor(t / 10) * 2_000_000, gcMajor: Math.floor(t / 10), externalBytes: 2 * MB + t * 50_000 });
    };
    const known = new LeakDetectorSet({ heapLimitBytes: 512 * MB });
    feed(known, 0, 200);
    const late = new LeakDetectorSet();
    feed(late, 0, 5);
    late.setHeapLimit(512 * MB);
    feed(late, 6, 200);
    for (const set of [known, late]) {
      const heap = set.leaks().filter((v) => v.kind === 'heap');
      assert.ok(heap.length > 0, 'no heap leak');
      for (const v of heap) {
        const expected = (512 * MB - (20 * MB + 200 * 200_000)) / v.rate;
        assert.ok(v.secondsToLimit !== undefined && Math.abs(v.secondsToLimit - expected) < 0.1 * expected, `${v.signal}: ${v.secondsToLimit} s, expected about ${expected}`);
      }
      // External memory does not count against V8's heap limit.
      const external = set.leaks().find((v) => v.signal === 'external');
      assert.ok(external && external.secondsToLimit === undefined);
    }
  });

  it('sees a non-Node process through RSS alone', () => {
    const set = new LeakDetectorSet();
    for (let t = 0; t <= 200; t++) set.observe(T0 + t * 1000, { rssBytes: 10 * MB + t * 50_000, cpuPercent: 3 });
    assert.deepEqual(set.leaks().map((v) => v.signal), ['rss']);
  });
});
