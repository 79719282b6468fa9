import { strict as assert } from 'node:assert';
import { mannKendall, mannKendallVariance, median, normalCdf, normalQuantile, theilSen } from '../../../src/monitor/leaks/trendStatistics';

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
