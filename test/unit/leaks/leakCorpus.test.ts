/**
 * Pins the leak detector's verdict on every trace of the labelled corpus (test/fixtures/leaks), so
 * that a change to the detector that alters any verdict fails here and is looked at on purpose.
 * The replay is deterministic (same samples, same order), so times are pinned exactly.
 * After re-recording the corpus (bench/recordLeakCorpus.ts), update the table from the benchmark.
 */
import { strict as assert } from 'node:assert';
import { analyzeRecording } from '../../../src/monitor/leaks/analyzeRecording';
import { loadCorpus, loadTrace } from '../../../bench/leakCorpus';

/** trace, t of the first leak verdict (undefined: none), signals that were ever 'leak', signals in 'leak' at the end. */
const PINNED: ReadonlyArray<[string, number | undefined, string[], string[]]> = [
  ['steady-leak', 75.22, ['heapAfterGc', 'heapUsed'], ['heapAfterGc', 'heapUsed']],
  ['slow-leak', 140.46, ['heapUsed'], ['heapUsed']],
  ['staircase-leak', 100.14, ['heapAfterGc', 'heapUsed'], ['heapAfterGc', 'heapUsed']],
  ['churn-hidden-leak', 190.99, ['heapUsed'], ['heapUsed']],
  ['buffer-leak', 75.03, ['external'], ['external']],
  ['listener-leak', 75.75, ['heapUsed'], ['heapUsed']],
  ['map-cache-leak', 75.96, ['heapUsed'], ['heapUsed']],
  ['timer-leak', 75.14, ['handles:Timeout'], ['handles:Timeout']],
  ['socket-leak', 75.99, ['handles:TCPSocketWrap'], ['handles:TCPSocketWrap']],
  ['late-leak', 115.29, ['heapUsed'], ['heapUsed']],
  ['python-rss-leak', 76, ['rss'], ['rss']],
  ['gc-sawtooth', undefined, [], []],
  ['warmup-plateau', undefined, [], []],
  // Known false alarms: the cache fills for ~140 s and the memo saturates with a 150 s time
  // constant; until they stop, their growth is a leak's (see the report of issue 5).
  ['lru-filling', 75.07, ['heapUsed'], ['heapUsed']],
  ['saturating-growth', 85.09, ['heapUsed'], ['heapUsed']],
  ['bursty-alloc', undefined, [], []],
  ['large-stable-heap', undefined, [], []],
  ['idle-server', undefined, [], []],
  ['cpu-bound', undefined, [], []],
  ['busy-server', undefined, [], []],
  ['python-steady', undefined, [], []],
];

describe('leak detector on the labelled corpus (pinned verdicts)', () => {
  const corpus = new Map(loadCorpus().map((entry) => [entry.name, entry]));

  it('pins every trace of the corpus, and only those', () => {
    assert.deepEqual(PINNED.map(([name]) => name).sort(), [...corpus.keys()].sort());
  });

  for (const [name, firstLeakT, everLeaking, finallyLeaking] of PINNED) {
    it(`${name}: ${firstLeakT === undefined ? 'no leak' : `leak from t = ${firstLeakT} s (${everLeaking.join(', ')})`}`, () => {
      const entry = corpus.get(name)!;
      const analysis = analyzeRecording(loadTrace(entry));
      assert.equal(analysis.firstLeakT, firstLeakT);
      const ever = [...new Set(analysis.timeline.filter((v) => v.state === 'leak').map((v) => v.signal))].sort();
      assert.deepEqual(ever, everLeaking);
      assert.deepEqual(analysis.final.filter((v) => v.state === 'leak').map((v) => v.signal).sort(), finallyLeaking);
      for (const v of analysis.final.filter((f) => f.state === 'leak')) {
        // A leak verdict always carries a positive rate inside its interval and an onset before it.
        assert.ok(v.rateLow > 0 && v.rateLow <= v.rate && v.rate <= v.rateHigh, `${v.signal} rate ${v.rate} [${v.rateLow}, ${v.rateHigh}]`);
        assert.ok(v.onsetTime !== undefined && v.onsetTime <= v.time);
      }
    });
  }

  it('agrees with the ground truth on the leaking traces it flags: never before the onset', () => {
    for (const [name, firstLeakT] of PINNED) {
      const entry = corpus.get(name)!;
      if (entry.leak && firstLeakT !== undefined) assert.ok(firstLeakT >= (entry.onsetSeconds ?? 0), name);
    }
  });
});
