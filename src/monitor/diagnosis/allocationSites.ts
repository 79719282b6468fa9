import type { AllocationEvidence, AllocationSite, SourceLocation } from './DiagnosisReport';
import type { SourceMapResolver } from './SourceMapResolver';

/** A call frame as V8's sampling heap profiler writes it (0-based line and column of the function's start). */
export interface ProfileCallFrame {
  readonly functionName: string;
  readonly scriptId?: string | number;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

/** A node of a .heapprofile tree. */
export interface HeapProfileNode {
  readonly callFrame: ProfileCallFrame;
  readonly selfSize: number;
  readonly id?: number;
  readonly children?: readonly HeapProfileNode[];
}

/** A .heapprofile file (HeapProfiler.stopSampling's profile). */
export interface HeapProfile {
  readonly head: HeapProfileNode;
  readonly samples?: ReadonlyArray<{ readonly size: number; readonly nodeId: number; readonly ordinal?: number }>;
}

/** How many sites a summary keeps. */
const MAX_SITES = 25;
/** How many outer user frames a site lists. */
const MAX_CALLERS = 3;

/** 'internal' for Node's own and native code, 'library' for node_modules, 'user' otherwise. */
export function originOf(url: string): AllocationSite['origin'] {
  if (!url || url.startsWith('node:') || url.startsWith('internal/') || url.startsWith('evalmachine') || isAgentUrl(url)) return 'internal';
  if (/[\\/]node_modules[\\/]/.test(url)) return 'library';
  return 'user';
}

/** The Process Vitals agent's own code: what it allocates (reports, recordings) is not the program's. */
function isAgentUrl(url: string): boolean {
  return /[\\/]dist[\\/]agent(Core)?\.js$|[\\/]src[\\/]agent[\\/]/.test(url);
}

interface SiteAccumulator {
  functionName: string;
  frame: ProfileCallFrame;
  origin: AllocationSite['origin'];
  bytes: number;
  samples: number;
  callers: ProfileCallFrame[];
}

/**
 * Summarises a sampling heap profile: bytes still alive at the end of the profile (V8 drops the
 * samples of collected objects), attributed to the innermost user frame of each allocating stack,
 * so the sites listed first are code the user can change; allocations with no user frame on their
 * stack go to the innermost library frame, else to Node's own code. Locations are source-mapped.
 */
export function summarizeAllocations(profile: HeapProfile, intervalBytes: number, resolver: SourceMapResolver): AllocationEvidence {
  const sites = new Map<string, SiteAccumulator>();
  let total = 0;
  const sampleCounts = new Map<number, number>();
  for (const sample of profile.samples ?? []) sampleCounts.set(sample.nodeId, (sampleCounts.get(sample.nodeId) ?? 0) + 1);

  // Iterative walk: deep recursion in a profile must not overflow the worker's stack.
  const stack: Array<{ node: HeapProfileNode; path: ProfileCallFrame[] }> = [{ node: profile.head, path: [] }];
  while (stack.length) {
    const { node, path } = stack.pop()!;
    const frames = node.callFrame.functionName === '(root)' ? path : [...path, node.callFrame];
    if (node.selfSize > 0 && frames.length) {
      total += node.selfSize;
      const site = chooseSite(frames);
      const key = `${site.frame.url}:${site.frame.lineNumber}:${site.frame.columnNumber}:${site.frame.functionName}`;
      let acc = sites.get(key);
      if (!acc) {
        acc = { functionName: site.frame.functionName || '(anonymous)', frame: site.frame, origin: site.origin, bytes: 0, samples: 0, callers: site.callers };
        sites.set(key, acc);
      }
      acc.bytes += node.selfSize;
      acc.samples += node.id !== undefined ? sampleCounts.get(node.id) ?? 0 : 0;
    }
    for (const child of node.children ?? []) stack.push({ node: child, path: frames });
  }

  const rank: Record<AllocationSite['origin'], number> = { user: 0, library: 1, internal: 2 };
  const ordered = [...sites.values()].sort((a, b) => rank[a.origin] - rank[b.origin] || b.bytes - a.bytes);
  const kept = [
    ...ordered.filter((s) => s.origin === 'user').slice(0, MAX_SITES),
    ...ordered.filter((s) => s.origin !== 'user').slice(0, Math.max(5, MAX_SITES - ordered.filter((s) => s.origin === 'user').length)),
  ];
  return {
    intervalBytes,
    totalSampledBytes: total,
    sites: kept.map((s): AllocationSite => {
      const mapped = locate(s.frame, resolver);
      return {
        functionName: s.functionName,
        location: mapped?.location ?? null,
        ...(mapped?.generated ? { generatedLocation: mapped.generated } : {}),
        origin: s.origin,
        bytes: s.bytes,
        samples: s.samples,
        share: total > 0 ? s.bytes / total : 0,
        callers: s.callers.map((f) => locate(f, resolver)?.location).filter((l): l is SourceLocation => l !== undefined),
      };
    }),
  };
}

/** The innermost user frame, else the innermost library frame, else the allocating frame itself; with the user frames above it. */
function chooseSite(frames: readonly ProfileCallFrame[]): { frame: ProfileCallFrame; origin: AllocationSite['origin']; callers: ProfileCallFrame[] } {
  let userIndex = -1;
  let libraryIndex = -1;
  for (let i = frames.length - 1; i >= 0; i--) {
    // Allocated by the agent, even if called from the program: the agent's, never the user's.
    if (isAgentUrl(frames[i].url)) return { frame: frames[i], origin: 'internal', callers: [] };
    const origin = originOf(frames[i].url);
    if (origin === 'user') {
      userIndex = i;
      break;
    }
    if (origin === 'library' && libraryIndex < 0) libraryIndex = i;
  }
  const index = userIndex >= 0 ? userIndex : libraryIndex >= 0 ? libraryIndex : frames.length - 1;
  const callers: ProfileCallFrame[] = [];
  for (let i = index - 1; i >= 0 && callers.length < MAX_CALLERS; i--) {
    if (originOf(frames[i].url) === 'user') callers.push(frames[i]);
  }
  return { frame: frames[index], origin: userIndex >= 0 ? 'user' : libraryIndex >= 0 ? 'library' : 'internal', callers };
}

function locate(frame: ProfileCallFrame, resolver: SourceMapResolver): { location: SourceLocation; generated?: SourceLocation } | undefined {
  if (!frame.url) return undefined;
  const mapped = resolver.resolve(frame.url, frame.lineNumber + 1, frame.columnNumber + 1);
  return mapped.generated ? { location: mapped.location, generated: mapped.generated } : { location: mapped.location };
}
