/**
 * The analysis worker (dist/diagnosisWorker.js): parses heap snapshots with @vscode/v8-heap-parser
 * and diffs them, summarises sampling heap profiles and resolves source maps, all off the caller's
 * thread (the extension host must never stall on a snapshot). It keeps the baseline and target
 * indexes between requests, one snapshot graph in memory at a time.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { decode_bytes } from '@vscode/v8-heap-parser';
import { summarizeAllocations, type HeapProfile } from './allocationSites';
import { analyzeSurvivors, classCounts, newIds, type SnapshotIndex } from './heapGraphAnalysis';
import { readSnapshotNodeIds } from './snapshotNodeIds';
import {
  DIAGNOSIS_WORKER_PROTOCOL_VERSION,
  type DiagnosisWorkerData,
  type FromDiagnosisWorker,
  type ToDiagnosisWorker,
} from './diagnosisWorkerProtocol';
import { SourceMapResolver } from './SourceMapResolver';

const port = parentPort;
const data = workerData as DiagnosisWorkerData;
if (!port || data?.version !== DIAGNOSIS_WORKER_PROTOCOL_VERSION) throw new Error('the diagnosis worker must be started by DiagnosisAnalyzer with a matching protocol version');

const indexes: { baseline?: SnapshotIndex; target?: SnapshotIndex } = {};
let spentMs = 0;
const resolver = new SourceMapResolver();

function parse(path: string) {
  // The parser takes the whole file; the bytes are dropped as soon as the graph is built.
  return decode_bytes(readFileSync(path));
}

function handle(message: ToDiagnosisWorker): FromDiagnosisWorker {
  const started = performance.now();
  switch (message.type) {
    case 'index': {
      const graph = parse(message.path);
      let counts: Map<string, number>;
      try {
        counts = classCounts(graph);
      } finally {
        graph.free();
      }
      indexes[message.role] = { ids: readSnapshotNodeIds(message.path), classCounts: counts };
      const ms = performance.now() - started;
      spentMs += ms;
      return { type: 'indexed', id: message.id, result: { nodes: indexes[message.role]!.ids.length, ms } };
    }
    case 'diff': {
      const { baseline, target } = indexes;
      if (!baseline || !target) throw new Error('the baseline and target snapshots must be indexed before the diff');
      // Only what was allocated between baseline and target matters from here on.
      const candidates = newIds(baseline.ids, target.ids);
      const graph = parse(message.path);
      try {
        const analysis = analyzeSurvivors(graph, candidates, baseline, target, message.thresholds, message.maxGroups, message.pathsPerGroup);
        spentMs += performance.now() - started;
        return { type: 'diffed', id: message.id, result: { ...analysis, baselineNodes: baseline.ids.length, targetNodes: target.ids.length, ms: spentMs } };
      } finally {
        graph.free();
      }
    }
    case 'allocations': {
      const profile = JSON.parse(readFileSync(message.path, 'utf8')) as HeapProfile;
      return { type: 'allocations', id: message.id, result: summarizeAllocations(profile, message.intervalBytes, resolver) };
    }
    case 'resolve':
      return {
        type: 'resolved',
        id: message.id,
        result: message.locations.map((l) => {
          const mapped = resolver.resolve(l.file, l.line, l.column);
          return mapped.generated ? { location: mapped.location, generated: mapped.generated } : { location: mapped.location };
        }),
      };
  }
}

port.on('message', (message: ToDiagnosisWorker) => {
  let answer: FromDiagnosisWorker;
  try {
    answer = handle(message);
  } catch (error) {
    answer = { type: 'failed', id: message.id, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(answer);
});
