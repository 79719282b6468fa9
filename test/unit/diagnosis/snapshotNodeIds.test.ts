import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { decode_bytes } from '@vscode/v8-heap-parser';
import { readSnapshotNodeIds } from '../../../src/monitor/diagnosis/snapshotNodeIds';

describe('readSnapshotNodeIds', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pv-node-ids-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the same ids as @vscode/v8-heap-parser, sorted', () => {
    const path = writeHeapSnapshot(join(dir, 'self.heapsnapshot'));
    const ids = readSnapshotNodeIds(path);
    const graph = decode_bytes(readFileSync(path));
    const fromParser: number[] = [];
    try {
      const groups = graph.get_class_groups(0, 0x7fffffff, true);
      groups.forEach((group, index) => {
        for (const node of graph.class_children(index, 0, group.children_len, 0)) {
          fromParser.push(node.id);
          node.free();
        }
        group.free();
      });
    } finally {
      graph.free();
    }
    assert.equal(ids.length, fromParser.length);
    assert.deepEqual([...ids], fromParser.sort((a, b) => a - b));
  });

  it('reads a nodes array split across chunks, with any field order', () => {
    const nodes = Array.from({ length: 300_000 }, (_, i) => `${i % 7},${5 + i * 2},${i},0\n`).join(',');
    const path = join(dir, 'made.heapsnapshot');
    writeFileSync(path, `{"snapshot":{"meta":{"node_fields":["type","id","name","edge_count"]},"node_count":300000},\n"nodes":[${nodes}],\n"edges":[1,2,3],"strings":["a"]}`);
    const ids = readSnapshotNodeIds(path);
    assert.equal(ids.length, 300_000);
    assert.equal(ids[0], 5);
    assert.equal(ids[299_999], 5 + 299_999 * 2);
  });

  it('refuses a file that is not a snapshot', () => {
    const path = join(dir, 'not.heapsnapshot');
    writeFileSync(path, '{"hello":1}');
    assert.throws(() => readSnapshotNodeIds(path), /not a heap snapshot/);
  });
});
