import type { DiagnosisReport, DiagnosisVerdict } from './DiagnosisReport';
import { resourceNameOf } from './handleEvidence';
import { isGrowing } from './trendEvidence';
import { formatBytes, formatLocation } from './renderDiagnosisMarkdown';

/** RSS growth over an OS-only window that counts as a leak: at least this many bytes... */
const MIN_RSS_RISE_BYTES = 2 * 1048576;

/** The verdict from the evidence: a heap leak needs suspect groups in the diff, an external leak growth at both steps, a handle leak a growing type. */
export function decideVerdict(parts: Pick<DiagnosisReport, 'mode' | 'memoryGrowth' | 'heapDiff' | 'allocations' | 'handles' | 'osMemory'>): DiagnosisVerdict {
  const kinds: Array<DiagnosisVerdict['kinds'][number]> = [];
  const findings: string[] = [];

  const suspects = parts.heapDiff?.groups.filter((g) => g.suspect) ?? [];
  if (suspects.length) {
    kinds.push('heap');
    for (const g of suspects.slice(0, 3)) {
      const path = g.retainerPaths[0]?.nodes.map((n) => n.name).join(' → ');
      findings.push(
        `${g.count.toLocaleString('en-US')} ${g.name} objects (${formatBytes(g.retainedBytes)} retained) were allocated between the first two snapshots and are still alive; ` +
          `the count went ${g.countInBaseline} → ${g.countInTarget} → ${g.countInFinal}${path ? `; held by ${path}` : ''}.`,
      );
    }
    const top = parts.allocations?.sites.find((s) => s.origin === 'user' && s.location);
    if (top) findings.push(`Most of the memory still alive was allocated in ${top.functionName} (${formatLocation(top.location!)}), ${Math.round(top.share * 100)}% of sampled bytes.`);
  }

  const external = parts.memoryGrowth.filter((g) => (g.what === 'external' || g.what === 'arrayBuffers') && g.growing);
  if (external.length) {
    kinds.push('external');
    const g = external.find((e) => e.what === 'external') ?? external[0];
    findings.push(`External memory (Buffers, ArrayBuffers, native) grew ${formatBytes(g.baselineBytes)} → ${formatBytes(g.targetBytes)} → ${formatBytes(g.finalBytes)} (${formatBytes(g.ratePerSecond)}/s); it is invisible in the JS heap.`);
  }

  const growingHandles = parts.handles?.growingTypes ?? [];
  if (growingHandles.length) {
    kinds.push('handles');
    for (const type of growingHandles.slice(0, 3)) {
      const before = parts.handles!.countsBefore[type] ?? 0;
      const after = parts.handles!.countsAfter[type] ?? 0;
      const site = parts.handles!.groups.find((h) => resourceNameOf(h.type) === type && h.createdAt);
      findings.push(`${type} handles grew ${before} → ${after}${site ? `; ${site.count} were created at ${formatLocation(site.createdAt!)}${site.createdIn ? ` in ${site.createdIn}` : ''}` : ''}.`);
    }
  }

  if (parts.mode === 'os') {
    const rss = parts.osMemory?.rss ?? null;
    if (isGrowing(rss, MIN_RSS_RISE_BYTES)) {
      kinds.push('rss');
      findings.push(`Resident memory grew ${formatBytes(rss!.first)} → ${formatBytes(rss!.last)} (${formatBytes(rss!.ratePerSecond)}/s) over ${Math.round(rss!.seconds)} s.`);
      const { before, after } = parts.osMemory!;
      if (before && after) {
        const parts2: Array<[string, number]> = [
          ['anonymous memory', after.anonymousBytes - before.anonymousBytes],
          ['the brk heap', after.brkHeapBytes - before.brkHeapBytes],
          ['mapped files', after.fileBackedBytes - before.fileBackedBytes],
          ['shared memory', after.shmemBytes - before.shmemBytes],
          ['stacks', after.stackBytes - before.stackBytes],
        ];
        parts2.sort((a, b) => b[1] - a[1]);
        if (parts2[0][1] > 0) findings.push(`Most of the growth is ${parts2[0][0]} (+${formatBytes(parts2[0][1])}).`);
      }
    }
    if (kinds.length) return { outcome: 'leak', kinds, summary: 'Resident memory keeps growing.', findings };
    if (!rss) return { outcome: 'inconclusive', kinds, summary: 'Not enough samples to judge the memory trend.', findings };
    return { outcome: 'no-leak', kinds, summary: 'Resident memory did not grow steadily during the diagnosis.', findings };
  }

  if (kinds.length) {
    const what = kinds.map((k) => ({ heap: 'JS heap objects', external: 'external memory', handles: 'handles or timers', rss: 'resident memory' })[k]);
    return { outcome: 'leak', kinds, summary: `Leak found: ${what.join(', ')} kept growing and stayed alive.`, findings };
  }
  if (!parts.heapDiff) return { outcome: 'inconclusive', kinds, summary: 'The heap snapshots could not be compared; see the problems below.', findings };
  return { outcome: 'no-leak', kinds, summary: 'No leak found: nothing allocated during the diagnosis kept growing.', findings };
}
