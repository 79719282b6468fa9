import { strict as assert } from 'node:assert';
import { changePointIndex, decelerationScore, halvesOf, isDecelerating, mannKendall, mannKendallVariance, median, normalCdf, normalQuantile, theilSen } from '../../../src/monitor/leaks/trendStatistics';

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

describe('trendStatistics', () => {
  describe('mannKendall (hand-computed)', () => {
    const cases: Array<{ values: number[]; s: number; variance: number; z: number; pIncreasing: number }> = [
      // S = 10 concordant pairs; Var = 5*4*15/18; z = (10-1)/sqrt(Var).
      { values: [1, 2, 3, 4, 5], s: 10, variance: 50 / 3, z: 2.20454, pIncreasing: 0.013745 },
      { values: [5, 4, 3, 2, 1], s: -10, variance: 50 / 3, z: -2.20454, pIncreasing: 0.986255 },
      // One tie group of 2: Var = (4*3*13 - 2*1*9)/18 = 138/18; S = 5; z = 4/sqrt(7.667).
      { values: [1, 2, 2, 3], s: 5, variance: 138 / 18, z: 1.44463, pIncreasing: 0.074279 },
      // No trend: S = 0 gives z = 0 and p = 0.5.
      { values: [3, 1, 2, 2, 1, 3], s: 0, variance: (6 * 5 * 17 - 3 * (2 * 1 * 9)) / 18, z: 0, pIncreasing: 0.5 },
    ];
    for (const c of cases) {
      it(`on ${JSON.stringify(c.values)}`, () => {
        const r = mannKendall(c.values);
        assert.equal(r.s, c.s);
        close(r.variance, c.variance, 1e-9, 'variance');
        close(r.z, c.z, 1e-4, 'z');
        close(r.pIncreasing, c.pIncreasing, 1e-5, 'p');
      });
    }

    it('gives no evidence on a constant series (all ties: zero variance)', () => {
      const r = mannKendall([7, 7, 7, 7]);
      assert.equal(mannKendallVariance([7, 7, 7, 7]), 0);
      assert.equal(r.z, 0);
      assert.equal(r.pIncreasing, 1);
    });
  });

  describe('theilSen', () => {
    it('ignores an outlier that ruins least squares (slope, intercept and Sen interval by hand)', () => {
      // Pairwise slopes: seven 1s and 25, 33, 49, 97; median 1. N = 10, C = 1.96 * sqrt(50/3) = 8.00:
      // lower rank (10 - 8)/2 = 1 -> 1; upper rank (10 + 8)/2 + 1 = 10 -> 97.
      const r = theilSen([0, 1, 2, 3, 4], [0, 1, 2, 3, 100], 0.95);
      assert.equal(r.slope, 1);
      assert.equal(r.intercept, 0);
      close(r.slopeLow, 1, 1e-9, 'low');
      close(r.slopeHigh, 97, 0.1, 'high');
    });

    it('recovers an exact line and skips pairs with equal times', () => {
      const r = theilSen([0, 0, 10, 20, 30], [5, 5, 25, 45, 65]);
      assert.equal(r.slope, 2);
      assert.equal(r.intercept, 5);
      assert.equal(r.slopeLow, 2);
      assert.equal(r.slopeHigh, 2);
    });

    it('has a wider interval at a higher confidence', () => {
      const times = Array.from({ length: 20 }, (_, i) => i);
      const values = times.map((t) => 3 * t + ((t * 7919) % 13) - 6);
      const narrow = theilSen(times, values, 0.8);
      const wide = theilSen(times, values, 0.99);
      assert.ok(wide.slopeLow < narrow.slopeLow && wide.slopeHigh > narrow.slopeHigh, JSON.stringify({ narrow, wide }));
      assert.ok(narrow.slopeLow <= narrow.slope && narrow.slope <= narrow.slopeHigh);
    });
  });

  describe('changePointIndex', () => {
    const times = Array.from({ length: 20 }, (_, i) => i * 5);
    const cases: Array<[string, number[], number]> = [
      // Flat at 10 up to index 7 (t = 35 s), then +2 per 5 s: the line starts at index 7.
      ['flat, then a line from index 7', times.map((t, i) => (i <= 7 ? 10 : 10 + (t - 35) * 0.4)), 7],
      ['a line throughout', times.map((t) => 3 + t * 0.5), 0],
      ['flat, then a line from index 12', times.map((t, i) => (i <= 12 ? 50 : 50 + (t - 60))), 12],
    ];
    for (const [what, values, knee] of cases) {
      it(`finds the knee of ${what}`, () => assert.equal(changePointIndex(times, values), knee));
    }

    it('keeps the knee within a bucket or two under noise', () => {
      const wobble = [0.3, -0.2, 0.1, -0.3, 0.2, 0, -0.1, 0.25, -0.25, 0.15, -0.15, 0.05, -0.05, 0.3, -0.2, 0.1, -0.3, 0.2, 0, -0.1];
      const knee = changePointIndex(times, times.map((t, i) => (i <= 7 ? 10 : 10 + (t - 35) * 0.4) + wobble[i]!));
      assert.ok(Math.abs(knee - 7) <= 2, `knee ${knee}`);
    });
  });

  describe('isDecelerating (halves of a growth segment)', () => {
    const times = Array.from({ length: 24 }, (_, i) => i * 5);
    // Deterministic noise of +-0.5 without a period that lines up with the halves.
    const wobble = (i: number) => (((Math.sin(i * 12.9898) * 43758.5453) % 1) + 1) % 1 - 0.5;
    it('is false for a line with noise: both halves share its slope', () => {
      const { older, recent } = halvesOf(times, times.map((t, i) => 100 + 2 * t + wobble(i)));
      close(older.slope, 2, 0.1, 'older slope');
      close(recent.slope, 2, 0.1, 'recent slope');
      assert.equal(isDecelerating(older, recent), false);
    });

    it('is true for saturating growth: 1 - exp(-t / 40) slows about 4.4-fold between the halves', () => {
      const { older, recent } = halvesOf(times, times.map((t, i) => 100 + 400 * (1 - Math.exp(-t / 40)) + wobble(i)));
      assert.equal(isDecelerating(older, recent), true, JSON.stringify({ older, recent }));
    });

    it('is false for a noiseless count whose rate wobbles by 1%: significant, but not a slowdown that matters', () => {
      const { older, recent } = halvesOf(times, times.map((t, i) => (i < 12 ? 4 * t : 4 * 55 + 3.96 * (t - 55))));
      assert.ok(recent.slopeHigh < older.slopeLow, JSON.stringify({ older, recent }));
      assert.equal(isDecelerating(older, recent), false);
    });

    it('is true for a cache that fills for 40 s of a 65 s segment and then stays at its bound, though the halves\' intervals overlap', () => {
      const short = times.slice(0, 14);
      const { older, recent } = halvesOf(short, short.map((t, i) => 100 + 2 * Math.min(t, 39) + 20 * wobble(i)));
      assert.ok(recent.slopeHigh >= older.slopeLow, `disjoint intervals: ${JSON.stringify({ older, recent })}`);
      assert.equal(isDecelerating(older, recent), true, JSON.stringify({ older, recent }));
    });

    it('scores the difference of the slopes over its standard error, from the facing sides of the intervals', () => {
      // z(0.975) = 1.96: the older half's error is (10 - 6.08) / 1.96 = 2, the newest's (7 - 4) / 1.96 = 1.53.
      const older = { slope: 10, slopeLow: 10 - 2 * 1.959964, slopeHigh: 30, intercept: 0 };
      const recent = { slope: 4, slopeLow: -20, slopeHigh: 4 + 1.5 * 1.959964, intercept: 0 };
      close(decelerationScore(older, recent, 0.95), 6 / Math.hypot(2, 1.5), 1e-6, 'z');
      assert.equal(decelerationScore(recent, older, 0.95) < 0, true);
      // z = 2.4: significant at 0.05 and 0.01 (one-sided: 1.645, 2.326), not at 0.005 (2.576).
      assert.equal(isDecelerating(older, recent, 0.05), true);
      assert.equal(isDecelerating(older, recent, 0.01), true);
      assert.equal(isDecelerating(older, recent, 0.005), false);
    });

    it('splits an odd count with the middle point in the older half', () => {
      const { older, recent } = halvesOf([0, 1, 2, 3, 4], [0, 1, 2, 10, 20]);
      assert.equal(older.slope, 1);
      assert.equal(recent.slope, 10);
    });
  });

  describe('normal distribution', () => {
    const quantiles: Array<[number, number]> = [[0.5, 0], [0.975, 1.959964], [0.995, 2.575829], [0.01, -2.326348], [0.001, -3.090232]];
    for (const [p, z] of quantiles) {
      it(`quantile(${p}) = ${z} and back`, () => {
        close(normalQuantile(p), z, 1e-6, 'quantile');
        close(normalCdf(z), p, 1e-6, 'cdf');
      });
    }
  });

  it('median of odd, even and empty lists', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
});
