import { strict as assert } from 'node:assert';
import { SampleHistory } from '../../../src/monitor/series/SampleHistory';
import { downsampleByBuckets } from '../../../src/monitor/series/downsample';

describe('SampleHistory', () => {
  const make = (recentCapacity = 5) =>
    new SampleHistory(['cpu', 'rss'] as const, { recentCapacity, archiveStepMs: 10_000, archiveCapacity: 3 });

  it('keeps the newest samples at full resolution and slices by time', () => {
    const h = make();
    for (let i = 0; i < 8; i++) h.append(i * 1000, { cpu: i, rss: 100 + i });
    assert.equal(h.length, 5);
    assert.deepEqual([...h.recent('cpu').values], [3, 4, 5, 6, 7]);
    assert.deepEqual([...h.recent('rss', 6000).times], [6000, 7000]);
    assert.deepEqual([...h.recent('rss', 6000).values], [106, 107]);
    assert.equal(h.latest('rss'), 107);
    assert.equal(h.lastTime, 7000);
  });

  it('records a missing series value as a gap (NaN)', () => {
    const h = make();
    h.append(0, { cpu: 1 });
    assert.ok(Number.isNaN(h.latest('rss')!));
  });

  it('drops a sample whose time goes backwards instead of corrupting the order', () => {
    const h = make();
    h.append(5000, { cpu: 1, rss: 1 });
    h.append(4000, { cpu: 2, rss: 2 });
    assert.deepEqual([...h.recent('cpu').values], [1]);
  });

  it('archives closed buckets with their mean and maximum, bounded', () => {
    const h = make(100);
    // Buckets are 10 s wide: [0,10s) has cpu 1..10 at 1 s steps; [10s,20s) has a spike.
    for (let t = 0; t < 10_000; t += 1000) h.append(t, { cpu: t / 1000 + 1, rss: 7 });
    h.append(10_000, { cpu: 50, rss: 7 });
    h.append(15_000, { cpu: 0, rss: 7 });
    h.append(20_000, { cpu: 1, rss: 7 }); // closes the second bucket
    const archived = h.archive('cpu');
    assert.deepEqual([...archived.times], [10_000, 20_000]);
    assert.deepEqual([...archived.means], [5.5, 25]);
    assert.deepEqual([...archived.maxima], [10, 50]);
    // Only three buckets are kept.
    for (let t = 30_000; t <= 60_000; t += 10_000) h.append(t, { cpu: 1, rss: 7 });
    assert.equal(h.archive('cpu').times.length, 3);
    assert.deepEqual([...h.archive('cpu', 50_000).times], [50_000, 60_000]);
  });
});

describe('SampleHistory lazy keys', () => {
  const make = () => new SampleHistory<'cpu' | 'heap'>(['cpu'], { recentCapacity: 4, archiveStepMs: 10_000, archiveCapacity: 3 }, ['heap']);

  it('lists and stores a lazy key only once a number arrives, with gaps before it', () => {
    const h = make();
    h.append(0, { cpu: 1 });
    h.append(1000, { cpu: 2, heap: NaN });
    assert.deepEqual([...h.keys], ['cpu']);
    assert.equal(h.latest('heap'), undefined);
    assert.equal(h.recent('heap').values.length, 2);
    assert.ok(h.recent('heap').values.every(Number.isNaN));
    h.append(2000, { cpu: 3, heap: 50 });
    assert.deepEqual([...h.keys], ['cpu', 'heap']);
    const heap = [...h.recent('heap').values];
    assert.ok(Number.isNaN(heap[0]) && Number.isNaN(heap[1]));
    assert.equal(heap[2], 50);
  });

  it('archives a lazy key from the bucket it started in', () => {
    const h = make();
    h.append(0, { cpu: 1 });
    h.append(5000, { cpu: 1, heap: 10 });
    h.append(6000, { cpu: 1, heap: 30 });
    h.append(10_000, { cpu: 1, heap: 1 }); // closes the first bucket
    assert.deepEqual([...h.archive('heap').means], [20]);
    assert.deepEqual([...h.archive('heap').maxima], [30]);
  });
});

describe('downsampleByBuckets', () => {
  it('keeps the level, the spikes and the newest time', () => {
    const times = [1, 2, 3, 4, 5, 6];
    const values = [1, 1, 1, 9, 1, 1];
    const out = downsampleByBuckets({ times, values }, 2);
    assert.deepEqual([...out.times], [3, 6]);
    assert.deepEqual([...out.means], [1, 11 / 3]);
    assert.deepEqual([...out.maxima], [1, 9]);
  });

  it('returns the input when it is already small enough, and skips gaps', () => {
    const out = downsampleByBuckets({ times: [1, 2], values: [NaN, 4] }, 10);
    assert.deepEqual([...out.times], [1, 2]);
    assert.ok(Number.isNaN(out.means[0]));
    assert.equal(out.means[1], 4);
  });

  it('handles empty input and a zero budget', () => {
    assert.equal(downsampleByBuckets({ times: [], values: [] }, 5).times.length, 0);
    assert.equal(downsampleByBuckets({ times: [1], values: [1] }, 0).times.length, 0);
  });
});
