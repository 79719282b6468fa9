import { strict as assert } from 'node:assert';
import { RingBuffer } from '../../../src/monitor/series/RingBuffer';

describe('RingBuffer', () => {
  const cases: Array<{ name: string; capacity: number; pushes: number[]; expected: number[] }> = [
    { name: 'empty', capacity: 3, pushes: [], expected: [] },
    { name: 'partly filled', capacity: 3, pushes: [1, 2], expected: [1, 2] },
    { name: 'exactly full', capacity: 3, pushes: [1, 2, 3], expected: [1, 2, 3] },
    { name: 'wrapped once', capacity: 3, pushes: [1, 2, 3, 4], expected: [2, 3, 4] },
    { name: 'wrapped many times', capacity: 3, pushes: [1, 2, 3, 4, 5, 6, 7, 8], expected: [6, 7, 8] },
    { name: 'capacity one', capacity: 1, pushes: [5, 6, 7], expected: [7] },
    { name: 'grows past its initial storage', capacity: 200, pushes: range(150), expected: range(150) },
    { name: 'grows then wraps', capacity: 100, pushes: range(250), expected: range(250).slice(150) },
  ];
  for (const c of cases) {
    it(`holds the newest values in order: ${c.name}`, () => {
      const ring = new RingBuffer(c.capacity);
      for (const v of c.pushes) ring.push(v);
      assert.deepEqual([...ring.toArray()], c.expected);
      assert.equal(ring.length, c.expected.length);
      assert.equal(ring.last(), c.expected.at(-1));
      c.expected.forEach((v, i) => assert.equal(ring.at(i), v));
      assert.equal(ring.at(c.expected.length), undefined);
    });
  }

  it('returns only the newest n values', () => {
    const ring = new RingBuffer(4);
    for (const v of [1, 2, 3, 4, 5, 6]) ring.push(v);
    assert.deepEqual([...ring.toArray(2)], [5, 6]);
    assert.deepEqual([...ring.toArray(10)], [3, 4, 5, 6]);
    assert.equal(ring.at(-1), 6);
  });

  it('finds the first value not below x in ascending data, across the wrap', () => {
    const ring = new RingBuffer(5);
    for (const v of [10, 20, 30, 40, 50, 60, 70]) ring.push(v); // holds 30..70
    assert.equal(ring.lowerBound(0), 0);
    assert.equal(ring.lowerBound(30), 0);
    assert.equal(ring.lowerBound(31), 1);
    assert.equal(ring.lowerBound(70), 4);
    assert.equal(ring.lowerBound(71), 5);
  });

  it('rejects a capacity that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, NaN]) assert.throws(() => new RingBuffer(bad), RangeError);
  });

  it('clears but keeps working', () => {
    const ring = new RingBuffer(2);
    ring.push(1);
    ring.push(2);
    ring.push(3);
    ring.clear();
    assert.equal(ring.length, 0);
    ring.push(9);
    assert.deepEqual([...ring.toArray()], [9]);
  });
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
