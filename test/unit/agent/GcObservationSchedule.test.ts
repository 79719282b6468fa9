import { strict as assert } from 'node:assert';
import {
  GC_OBSERVE_ALL_BELOW_PER_SECOND,
  GC_SAMPLE_EVERY,
  GC_SAMPLING_ABOVE_PER_SECOND,
  GcObservationSchedule,
  SAMPLE_AFTER_HIGH_MS,
} from '../../../src/agent/GcObservationSchedule';

const HIGH = GC_SAMPLING_ABOVE_PER_SECOND;
const BETWEEN = (GC_SAMPLING_ABOVE_PER_SECOND + GC_OBSERVE_ALL_BELOW_PER_SECOND) / 2;
const LOW = GC_OBSERVE_ALL_BELOW_PER_SECOND / 2;
/** Report intervals of a second: this many high ones start sampling. */
const TO_START = SAMPLE_AFTER_HIGH_MS / 1000;

/**
 * Runs the schedule over one-second intervals, each at a rate, and returns which intervals were
 * observed: 'O' observed, 'U' not. The first interval is observed (the tracker starts observing);
 * each next one is what the schedule decided at the end of the one before.
 */
function run(rates: readonly number[], fine: (i: number) => boolean = () => false): string {
  const schedule = new GcObservationSchedule();
  let observed = true;
  let out = '';
  rates.forEach((rate, i) => {
    out += observed ? 'O' : 'U';
    observed = schedule.next(rate, 1000, observed, fine(i));
  });
  return out;
}

const repeat = (rate: number, n: number) => new Array<number>(n).fill(rate);
const cycle = 'U'.repeat(GC_SAMPLE_EVERY - 1) + 'O';

describe('GcObservationSchedule', () => {
  const cases: Array<{ name: string; rates: number[]; fine?: (i: number) => boolean; observed: string }> = [
    { name: 'a process collecting rarely is observed all the time', rates: repeat(LOW, 50), observed: 'O'.repeat(50) },
    { name: 'a rate just under the upper bound is observed all the time', rates: repeat(HIGH - 0.1, 50), observed: 'O'.repeat(50) },
    {
      name: 'a high rate is sampled once it lasted SAMPLE_AFTER_HIGH_MS: one interval in GC_SAMPLE_EVERY',
      rates: repeat(HIGH, TO_START + 2 * GC_SAMPLE_EVERY),
      observed: 'O'.repeat(TO_START) + cycle + cycle,
    },
    {
      name: 'a burst shorter than SAMPLE_AFTER_HIGH_MS is not sampled',
      rates: [...repeat(HIGH, TO_START - 1), LOW, ...repeat(HIGH, TO_START - 1), LOW],
      observed: 'O'.repeat(2 * TO_START),
    },
    {
      name: 'an observed rate between the bounds does not end sampling (hysteresis)',
      rates: [...repeat(HIGH, TO_START), ...repeat(BETWEEN, 2 * GC_SAMPLE_EVERY)],
      observed: 'O'.repeat(TO_START) + cycle + cycle,
    },
    {
      name: 'a rate between the bounds does not start sampling',
      rates: repeat(BETWEEN, 30),
      observed: 'O'.repeat(30),
    },
    {
      name: 'an estimated rate below the lower bound observes every interval again',
      rates: [...repeat(HIGH, TO_START), HIGH, HIGH, LOW, LOW, LOW],
      observed: 'O'.repeat(TO_START) + 'UUUOO',
    },
    {
      name: 'an observed rate below the lower bound ends sampling, and sampling needs a long high rate again',
      rates: [...repeat(HIGH, TO_START), ...repeat(HIGH, GC_SAMPLE_EVERY - 1), LOW, ...repeat(HIGH, TO_START + 2)],
      observed: 'O'.repeat(TO_START) + cycle + 'O'.repeat(TO_START) + 'UU',
    },
    {
      name: 'fine detail observes every interval while it is on, and sampling resumes after it',
      rates: repeat(HIGH, TO_START + 10 + 3),
      fine: (i) => i >= TO_START && i < TO_START + 10,
      observed: 'O'.repeat(TO_START) + 'U' + 'O'.repeat(10) + 'UU',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(run(c.rates, c.fine), c.observed);
    });
  }

  it('counts the high stretch in time, not in intervals', () => {
    const schedule = new GcObservationSchedule();
    // Quarter-second intervals: sampling starts after SAMPLE_AFTER_HIGH_MS of them, not after TO_START.
    for (let ms = 250; ms < SAMPLE_AFTER_HIGH_MS; ms += 250) assert.equal(schedule.next(HIGH, 250, true, false), true);
    assert.equal(schedule.next(HIGH, 250, true, false), false);
    assert.equal(schedule.sampling, true);
  });
});
