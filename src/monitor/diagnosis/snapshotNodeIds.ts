import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK_BYTES = 1 << 20;
const NODES_MARKER = '"nodes":[';
/** The header (meta) of a snapshot is small; a file without the nodes array this early is not a snapshot. */
const MAX_HEADER_BYTES = 1 << 20;

/**
 * Every node id of a .heapsnapshot, sorted, read by streaming the file's `nodes` array (1 MiB at a
 * time) and keeping only the id column. Why not through @vscode/v8-heap-parser: it has no bulk
 * access to ids, and fetching them one node object at a time costs ~1 us per heap object, as much
 * as parsing the whole snapshot; the baseline and target snapshots need nothing else from it but
 * their class counts (which the parser gives cheaply).
 */
export function readSnapshotNodeIds(path: string): Uint32Array {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let header = '';
    let position = 0;
    let start = -1;
    let bytes = 0;
    // 1. The header up to "nodes":[, for the node field layout.
    while (start < 0) {
      bytes = readSync(fd, chunk, 0, CHUNK_BYTES, position);
      if (bytes === 0 || header.length > MAX_HEADER_BYTES) throw new Error(`${path} is not a heap snapshot (no nodes array)`);
      const before = header.length;
      header += chunk.toString('latin1', 0, bytes);
      const at = header.indexOf(NODES_MARKER);
      if (at >= 0) start = at + NODES_MARKER.length - before; // offset of the first number in this chunk
      else position += bytes;
    }
    const fields = /"node_fields"\s*:\s*(\[[^\]]*\])/.exec(header);
    const nodeCount = /"node_count"\s*:\s*(\d+)/.exec(header);
    if (!fields) throw new Error(`${path} has no node_fields`);
    const layout = JSON.parse(fields[1]) as string[];
    const stride = layout.length;
    const idField = layout.indexOf('id');
    if (idField < 0 || stride === 0) throw new Error(`${path} has no node id field`);
    let ids = new Uint32Array(nodeCount ? Number(nodeCount[1]) : 1 << 16);
    let count = 0;
    // 2. The numbers of the nodes array, field by field, until its closing bracket.
    let field = 0;
    let value = 0;
    let inNumber = false;
    let offset = start;
    for (;;) {
      for (let i = offset; i < bytes; i++) {
        const c = chunk[i];
        if (c >= 48 && c <= 57) {
          value = value * 10 + (c - 48);
          inNumber = true;
          continue;
        }
        if (inNumber) {
          if (field === idField) {
            if (count === ids.length) {
              const grown = new Uint32Array(ids.length * 2);
              grown.set(ids);
              ids = grown;
            }
            ids[count++] = value;
          }
          field = field + 1 === stride ? 0 : field + 1;
          value = 0;
          inNumber = false;
        }
        if (c === 93) return ids.subarray(0, count).sort(); // ']'
      }
      position += bytes;
      bytes = readSync(fd, chunk, 0, CHUNK_BYTES, position);
      offset = 0;
      if (bytes === 0) throw new Error(`${path} ends inside its nodes array`);
    }
  } finally {
    closeSync(fd);
  }
}
