import * as assert from 'node:assert/strict';
import { selectSubtrees } from '../../../src/monitor/processes/selectSubtrees';

describe('selectSubtrees', () => {
  const table = [
    { pid: 0, ppid: 0 },
    { pid: 1, ppid: 0 },
    { pid: 10, ppid: 1 },
    { pid: 11, ppid: 10 },
    { pid: 12, ppid: 10 },
    { pid: 13, ppid: 11 },
    { pid: 20, ppid: 1 },
  ];
  const cases: Array<[string, number[], number[]]> = [
    ['a subtree, breadth-first', [10], [10, 11, 12, 13]],
    ['a leaf', [13], [13]],
    ['missing roots are left out', [99, 20], [20]],
    ['nested roots report each process once', [11, 10], [11, 10, 13, 12]],
    ['pid 0 is not its own child', [0], [0, 1, 10, 20, 11, 12, 13]],
  ];
  for (const [name, roots, pids] of cases) {
    it(name, () => assert.deepEqual(selectSubtrees(table, roots).map((p) => p.pid), pids));
  }
});
