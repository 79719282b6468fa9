import { strict as assert } from 'node:assert';
import { lineIndexAt, type LineRange } from '../../../src/webview/lineRanges';

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
