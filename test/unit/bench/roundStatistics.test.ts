import { strict as assert } from 'node:assert';
import { binomialHalf, geometricMean, median, medianInterval, verdict } from '../../../bench/roundStatistics';

describe('roundStatistics', () => {
  it('takes the median of odd and even counts, whatever the order', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([7]), 7);
  });

  // Sign-test intervals: [x(k), x(n-k+1)] with the largest k whose tail P(Bin(n, 1/2) <= k-1) <= 2.5%.
  const intervals: Array<{ n: number; k: number; confidence: number }> = [
    { n: 1, k: 1, confidence: 0 },
    { n: 5, k: 1, confidence: 1 - 2 / 32 },
    { n: 6, k: 1, confidence: 1 - 2 / 64 },
    { n: 9, k: 2, confidence: 1 - (2 * 10) / 512 },
    { n: 10, k: 2, confidence: 1 - (2 * 11) / 1024 },
    { n: 20, k: 6, confidence: 1 - 2 * ((1 + 20 + 190 + 1140 + 4845 + 15504) / 2 ** 20) },
  ];
  for (const c of intervals) {
    it(`gives the sign-test interval of ${c.n} values: x(${c.k}) to x(${c.n - c.k + 1}), ${(c.confidence * 100).toFixed(1)}% confidence`, () => {
      const values = Array.from({ length: c.n }, (_, i) => (i * 7) % c.n).map((v) => v * 10); // a permutation of 0, 10, ...
      const interval = medianInterval(values);
      assert.equal(interval.low, (c.k - 1) * 10);
      assert.equal(interval.high, (c.n - c.k) * 10);
      assert.ok(Math.abs(interval.confidence - c.confidence) < 1e-12, `${interval.confidence} vs ${c.confidence}`);
    });
  }

  it('says nothing about no values', () => {
    const interval = medianInterval([]);
    assert.ok(Number.isNaN(interval.low) && Number.isNaN(interval.high));
    assert.equal(interval.confidence, 0);
  });

  it('covers the true median at least as often as it claims, on a skewed distribution', () => {
    let seed = 12345;
    const uniform = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31;
    const exponential = () => -Math.log(uniform()); // median ln 2
    for (const n of [6, 10, 15]) {
      let covered = 0;
      const trials = 4000;
      let confidence = 0;
      for (let t = 0; t < trials; t++) {
        const interval = medianInterval(Array.from({ length: n }, exponential));
        confidence = interval.confidence;
        if (interval.low <= Math.LN2 && Math.LN2 <= interval.high) covered++;
      }
      // Three standard errors of slack for the simulation.
      assert.ok(covered / trials >= confidence - 3 * Math.sqrt((confidence * (1 - confidence)) / trials), `n=${n}: ${covered / trials} < ${confidence}`);
      assert.ok(confidence >= 0.95);
    }
  });

  it('has binomial probabilities that sum to one', () => {
    const n = 13;
    const sum = Array.from({ length: n + 1 }, (_, k) => binomialHalf(n, k)).reduce((a, b) => a + b);
    assert.ok(Math.abs(sum - 1) < 1e-12);
  });

  const verdicts: Array<{ name: string; low: number; high: number; limit: number; atMost: boolean; expected: string }> = [
    { name: 'a cost wholly under its limit', low: 2, high: 8, limit: 10, atMost: true, expected: 'MET' },
    { name: 'a cost reaching its limit exactly', low: 2, high: 10, limit: 10, atMost: true, expected: 'MET' },
    { name: 'a cost wholly over its limit', low: 11, high: 20, limit: 10, atMost: true, expected: 'MISSED' },
    { name: 'a cost straddling its limit', low: 5, high: 12, limit: 10, atMost: true, expected: 'UNRESOLVED' },
    { name: 'a change wholly above its floor', low: -1.5, high: 0.5, limit: -2, atMost: false, expected: 'MET' },
    { name: 'a change down to its floor exactly', low: -2, high: 0.5, limit: -2, atMost: false, expected: 'MET' },
    { name: 'a change wholly below its floor', low: -4, high: -2.5, limit: -2, atMost: false, expected: 'MISSED' },
    { name: 'a change straddling its floor', low: -3, high: -1, limit: -2, atMost: false, expected: 'UNRESOLVED' },
  ];
  for (const c of verdicts) {
    it(`judges ${c.name}: ${c.expected}`, () => {
      assert.equal(verdict({ low: c.low, high: c.high }, c.limit, c.atMost), c.expected);
    });
  }

  it('averages ratios geometrically, so that inverted ratios mirror', () => {
    assert.ok(Math.abs(geometricMean([2, 8]) - 4) < 1e-12);
    const ratios = [1.02, 0.97, 1.05];
    assert.ok(Math.abs(geometricMean(ratios) * geometricMean(ratios.map((r) => 1 / r)) - 1) < 1e-12);
  });
});
