import { strict as assert } from 'node:assert';
import { concatenateLines, lineIndexAt, type LineRange } from '../../../src/webview/lineRanges';

const line = (start: number, count: number): LineRange => ({ start, count, color: '#000', dash: [], width: 1 });

describe('lineIndexAt (which line a hovered point belongs to)', () => {
  // Three lines of 3, 0 and 2 points: data indexes 0-2, none, 3-4.
  const lines = [line(0, 3), line(3, 0), line(3, 2)];
  const cases: [number, number | undefined][] = [
    [0, 0],
    [2, 0],
    [3, 2],
    [4, 2],
    [5, undefined],
    [-1, undefined],
  ];
  for (const [index, expected] of cases) {
    it(`data index ${index} -> line ${String(expected)}`, () => assert.equal(lineIndexAt(lines, index), expected));
  }

  it('finds the line of every point of many lines', () => {
    const many: LineRange[] = [];
    let start = 0;
    for (let i = 0; i < 37; i++) {
      many.push(line(start, i % 5));
      start += i % 5;
    }
    for (let i = 0; i < many.length; i++) for (let p = many[i]!.start; p < many[i]!.start + many[i]!.count; p++) assert.equal(lineIndexAt(many, p), i);
    assert.equal(lineIndexAt([], 0), undefined);
  });
});

describe('concatenateLines (one dataset from many lines, and the y range the axis needs)', () => {
  const style = { color: '#111', dash: [], width: 1 };
  const p = (x: number, y: number | null) => ({ x, y });

  it('writes the points in line order into the reused array, dropping what was beyond them', () => {
    const into = [p(9, 9), p(9, 9), p(9, 9), p(9, 9), p(9, 9), p(9, 9)];
    const first = [p(1, 5), p(2, 6)];
    const second = [p(1, 7), p(2, 8), p(3, 9)];
    const { ranges } = concatenateLines([{ ...style, points: first }, { ...style, points: [] }, { ...style, points: second, color: '#222' }], into, 0, 10);
    assert.deepEqual(into, [...first, ...second]);
    assert.equal(into[0], first[0], 'the store\'s point objects themselves, not copies');
    assert.deepEqual(
      ranges.map((r) => [r.start, r.count, r.color]),
      [
        [0, 2, '#111'],
        [2, 0, '#111'],
        [2, 3, '#222'],
      ],
    );
  });

  it('measures the y range over points inside the x bounds only, skipping gaps and non-finite values', () => {
    const points = [p(0, 1000), p(10, 3), p(11, null), p(12, Number.NaN), p(13, -2), p(14, 7), p(15, Number.POSITIVE_INFINITY), p(30, -500)];
    const { yRange } = concatenateLines([{ ...style, points }], [], 10, 20);
    assert.deepEqual(yRange, { min: -2, max: 7 });
  });

  it('gives chart.js\'s "no data" range when nothing is inside the bounds', () => {
    const { yRange } = concatenateLines([{ ...style, points: [p(1, 1)] }], [], 5, 6);
    assert.deepEqual(yRange, { min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY });
  });
});
