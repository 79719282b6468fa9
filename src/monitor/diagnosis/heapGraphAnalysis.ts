/**
 * The heap snapshot diff over graphs parsed by @vscode/v8-heap-parser (the WebAssembly parser
 * behind VS Code's heap snapshot viewer). Runs in the analysis worker: every function here is
 * synchronous and CPU-bound. The parser's objects live in WebAssembly memory and are freed by hand.
 */
import type { Graph } from '@vscode/v8-heap-parser';
import type { LeakedObjectGroup, RetainerPath } from './DiagnosisReport';

/** Nodes fetched from the parser per call (bounds the JS objects alive at once). */
const CHUNK = 32_768;
/** Retainer search depth: paths to a GC root longer than this are not shown. */
const MAX_RETAINER_DISTANCE = 14;
/** Retainer rows examined per path before giving up (bounds memory on hub-like objects). */
const MAX_RETAINER_ROWS = 400_000;

/** V8 snapshot node types, by the parser's NodeType value. */
const NODE_TYPES = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic', 'concatenated string', 'sliced string', 'bigint', 'other'];
/** V8 snapshot edge types, by the parser's EdgeType value. */
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak', 'invisible', 'other'];
const NODE_TYPE_HIDDEN = 0;
const NODE_TYPE_CODE = 4;
const NODE_TYPE_SYNTHETIC = 9;
const EDGE_TYPE_WEAK = 6;

/** Node ids and class counts of one snapshot: all the diff needs of the baseline and target. */
export interface SnapshotIndex {
  /** Every node id, sorted ascending (V8 ids are 32-bit and stable across snapshots of one process). */
  readonly ids: Uint32Array;
  /** Objects per class name. */
  readonly classCounts: Map<string, number>;
}

/** Thresholds that decide which groups are suspects. */
export interface SuspectThresholds {
  /** Fewest survivors a group needs. */
  readonly minCount: number;
  /** Least retained size a group needs, bytes. */
  readonly minRetainedBytes: number;
}

/** Default thresholds: small enough for a leak of a few objects a second over a short window. */
export const DEFAULT_SUSPECT_THRESHOLDS: SuspectThresholds = { minCount: 10, minRetainedBytes: 32 * 1024 };

/** The diff's raw result (before the caller merges allocation and handle evidence). */
export interface SurvivorAnalysis {
  readonly finalNodes: number;
  readonly survivorCount: number;
  readonly survivorSelfBytes: number;
  readonly groups: LeakedObjectGroup[];
}

/** Objects per class name of a parsed snapshot (cheap: no retained sizes, no node objects). */
export function classCounts(graph: Graph): Map<string, number> {
  const counts = new Map<string, number>();
  for (const group of graph.get_class_groups(0, 0x7fffffff, true)) {
    const name = group.name();
    counts.set(name, (counts.get(name) ?? 0) + group.children_len);
    group.free();
  }
  return counts;
}

/** Ids in `later` that are not in `earlier` (both sorted), sorted. */
export function newIds(earlier: Uint32Array, later: Uint32Array): Uint32Array {
  const out = new Uint32Array(later.length);
  let i = 0;
  let n = 0;
  for (let j = 0; j < later.length; j++) {
    const id = later[j];
    while (i < earlier.length && earlier[i] < id) i++;
    if (i >= earlier.length || earlier[i] !== id) out[n++] = id;
  }
  return out.slice(0, n);
}

function contains(sorted: Uint32Array, id: number): boolean {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const v = sorted[mid];
    if (v === id) return true;
    if (v < id) low = mid + 1;
    else high = mid - 1;
  }
  return false;
}

/** Whether a class name is the engine's own (shown after the user's objects, never a suspect on its own). */
export function isInternalName(name: string): boolean {
  return name.startsWith('(') || name.startsWith('system /') || name.startsWith('v8') || name === 'InternalNode' || name.startsWith('Node /');
}

interface GroupAccumulator {
  name: string;
  nodeType: number;
  count: number;
  selfBytes: number;
  retainedBytes: number;
  classRetained: number;
  samples: Array<{ index: number; retained: number }>;
}

/**
 * The objects of the final snapshot whose ids are in `candidates` (new in target), grouped by class
 * name with counts, self and retained sizes, and a few shortest retainer paths from GC roots.
 */
export function analyzeSurvivors(
  graph: Graph,
  candidates: Uint32Array,
  baseline: SnapshotIndex,
  target: SnapshotIndex,
  thresholds: SuspectThresholds = DEFAULT_SUSPECT_THRESHOLDS,
  maxGroups = 30,
  pathsPerGroup = 3,
): SurvivorAnalysis {
  const classGroups = graph.get_class_groups(0, 0x7fffffff, false);
  const info = classGroups.map((g) => {
    const result = { name: g.name(), len: g.children_len, retained: Number(g.retained_size) };
    g.free();
    return result;
  });
  const finalCounts = new Map<string, number>();
  let finalNodes = 0;
  for (const { name, len } of info) {
    finalNodes += len;
    finalCounts.set(name, (finalCounts.get(name) ?? 0) + len);
  }
  const accumulators = new Map<string, GroupAccumulator>();
  let survivorCount = 0;
  let survivorSelfBytes = 0;
  for (let gi = 0; gi < info.length; gi++) {
    const { name, len, retained } = info[gi];
    // Only classes that grew can hold a leak; reading every node of the others through the parser
    // (~1 us per object) would double the analysis for nothing. Engine-internal categories are
    // left out for the same reason: they grow with whatever user objects hold.
    const before = baseline.classCounts.get(name) ?? 0;
    if (isInternalName(name) || !((target.classCounts.get(name) ?? 0) > before || (finalCounts.get(name) ?? 0) > before)) continue;
    for (let start = 0; start < len; start += CHUNK) {
      const nodes = graph.class_children(gi, start, Math.min(len, start + CHUNK), 0);
      for (const node of nodes) {
        if (contains(candidates, node.id) && node.typ !== NODE_TYPE_HIDDEN && node.typ !== NODE_TYPE_CODE && node.typ !== NODE_TYPE_SYNTHETIC) {
          const self = Number(node.self_size);
          const nodeRetained = Number(node.retained_size);
          survivorCount++;
          survivorSelfBytes += self;
          let acc = accumulators.get(name);
          if (!acc) {
            acc = { name, nodeType: node.typ, count: 0, selfBytes: 0, retainedBytes: 0, classRetained: 0, samples: [] };
            accumulators.set(name, acc);
          }
          acc.classRetained = Math.max(acc.classRetained, retained);
          acc.count++;
          acc.selfBytes += self;
          acc.retainedBytes += nodeRetained;
          keepLargest(acc.samples, { index: node.index, retained: nodeRetained }, pathsPerGroup);
        }
        node.free();
      }
    }
  }

  const groups = [...accumulators.values()].map((acc) => {
    const retainedBytes = Math.min(acc.retainedBytes, Math.max(acc.classRetained, acc.selfBytes));
    const countInBaseline = baseline.classCounts.get(acc.name) ?? 0;
    const countInTarget = target.classCounts.get(acc.name) ?? 0;
    const countInFinal = finalCounts.get(acc.name) ?? 0;
    const internal = isInternalName(acc.name);
    const suspect =
      !internal &&
      acc.count >= thresholds.minCount &&
      retainedBytes >= thresholds.minRetainedBytes &&
      countInBaseline < countInTarget &&
      countInTarget < countInFinal;
    return { acc, group: { name: acc.name, nodeType: NODE_TYPES[acc.nodeType] ?? 'other', count: acc.count, selfBytes: acc.selfBytes, retainedBytes, countInBaseline, countInTarget, countInFinal, internal, suspect } };
  });
  groups.sort((a, b) => Number(b.group.suspect) - Number(a.group.suspect) || Number(a.group.internal) - Number(b.group.internal) || b.group.retainedBytes - a.group.retainedBytes);

  const result: LeakedObjectGroup[] = [];
  for (const { acc, group } of groups.slice(0, maxGroups)) {
    // Paths only where someone will read them: suspects and the biggest user groups.
    const wantPaths = group.suspect || (!group.internal && result.length < 5);
    const retainerPaths: RetainerPath[] = [];
    if (wantPaths) {
      const seen = new Set<string>();
      for (const sample of acc.samples) {
        const path = shortestRetainerPath(graph, sample.index);
        if (!path) continue;
        const key = path.nodes.map((n) => `${n.edge}>${n.name}`).join('|');
        if (seen.has(key)) continue;
        seen.add(key);
        retainerPaths.push(path);
      }
    }
    result.push({ ...group, retainerPaths });
  }
  return { finalNodes, survivorCount, survivorSelfBytes, groups: result };
}

function keepLargest(samples: Array<{ index: number; retained: number }>, candidate: { index: number; retained: number }, limit: number): void {
  if (samples.length < limit) {
    samples.push(candidate);
    samples.sort((a, b) => b.retained - a.retained);
  } else if (candidate.retained > samples[samples.length - 1].retained) {
    samples[samples.length - 1] = candidate;
    samples.sort((a, b) => b.retained - a.retained);
  }
}

interface RetainerRow {
  readonly index: number;
  readonly retains: number;
  readonly edge: number;
  readonly type: number;
  name: string | undefined;
  readonly source: { name(): string; free(): void };
}

/**
 * A shortest path of strong references from a GC root to the node at `index`, as memlab shows
 * them: weak edges are skipped, and so are the engine's bookkeeping roots that hold everything
 * (internalized strings, the code space), so the path shows who in the program holds the object.
 */
export function shortestRetainerPath(graph: Graph, index: number): RetainerPath | null {
  const raw = graph.get_all_retainers(index, MAX_RETAINER_DISTANCE);
  const byRetained = new Map<number, RetainerRow[]>();
  const rows: RetainerRow[] = [];
  try {
    for (let i = 0; i < raw.length; i++) {
      const r = raw[i];
      if (i >= MAX_RETAINER_ROWS) {
        r.free();
        continue;
      }
      const row: RetainerRow = { index: r.index, retains: r.retains_index, edge: r.edge_typ, type: r.typ, name: undefined, source: r };
      rows.push(row);
      if (row.index === row.retains) continue; // the node itself
      let list = byRetained.get(row.retains);
      if (!list) byRetained.set(row.retains, (list = []));
      list.push(row);
    }
    // Anonymous closures and some internal nodes have no name: show their type instead.
    const nameOf = (row: RetainerRow): string => (row.name ??= row.source.name() || `(${NODE_TYPES[row.type] ?? 'object'})`);
    const self = rows.find((r) => r.index === index && r.retains === index);
    // Breadth-first from the object towards the roots.
    const parent = new Map<number, RetainerRow>();
    const visited = new Set<number>([index]);
    let frontier = [index];
    let root: number | undefined;
    while (frontier.length && root === undefined) {
      const next: number[] = [];
      for (const node of frontier) {
        for (const row of byRetained.get(node) ?? []) {
          if (row.edge === EDGE_TYPE_WEAK || visited.has(row.index)) continue;
          if (row.type === NODE_TYPE_SYNTHETIC || row.index === graph.root_index) {
            const name = nameOf(row);
            if (/^\((Internalized strings|Code|Weak|Compilation cache|Startup object cache|Read-only roots)/.test(name)) continue;
            visited.add(row.index);
            parent.set(row.index, row);
            root = row.index;
            break;
          }
          visited.add(row.index);
          parent.set(row.index, row);
          next.push(row.index);
        }
        if (root !== undefined) break;
      }
      frontier = next;
    }
    if (root === undefined) return null;
    const nodes: Array<{ name: string; type: string; edge: string }> = [];
    for (let at: number = root; at !== index; ) {
      const row = parent.get(at)!;
      nodes.push({ name: nameOf(row), type: NODE_TYPES[row.type] ?? 'other', edge: EDGE_TYPES[row.edge] ?? 'other' });
      at = row.retains;
    }
    nodes.push({ name: self ? nameOf(self) : '(object)', type: self ? NODE_TYPES[self.type] ?? 'other' : 'object', edge: '' });
    return { nodes };
  } finally {
    for (const row of rows) row.source.free();
  }
}
