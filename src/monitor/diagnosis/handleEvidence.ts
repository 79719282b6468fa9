import { ASYNC_RESOURCE_NAMES, type HandleReport } from '../../agent/agentProtocol';
import type { HandleEvidence, HandleGroup } from './DiagnosisReport';


/** Growth a handle type needs over the window to count as leaking: at least this many more... */
const MIN_HANDLE_GROWTH = 5;
/** ...and at least this share more than at the start. */
const MIN_HANDLE_GROWTH_SHARE = 0.2;

/** The resource name (getActiveResourcesInfo) of an async_hooks type. */
export function resourceNameOf(asyncType: string): string {
  return ASYNC_RESOURCE_NAMES[asyncType] ?? asyncType;
}

/** Resource types whose count grew enough over the window to be a leak. */
export function growingHandleTypes(before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>>): string[] {
  const growing: string[] = [];
  for (const [type, count] of Object.entries(after)) {
    const was = before[type] ?? 0;
    if (count - was >= MIN_HANDLE_GROWTH && count - was >= was * MIN_HANDLE_GROWTH_SHARE) growing.push(type);
  }
  return growing.sort((a, b) => after[b] - (before[b] ?? 0) - (after[a] - (before[a] ?? 0)));
}

/**
 * The handle evidence: the agent's live handles and timers grouped by creation site (the agent
 * already groups identical stacks; user frames come first), those of growing types first, then
 * the ref'd ones (they keep the process alive), then by count.
 */
export function summarizeHandles(
  report: HandleReport,
  countsBefore: Readonly<Record<string, number>>,
  countsAfter: Readonly<Record<string, number>>,
  trackingFromStart: boolean,
  trackingStartedByDiagnosis: boolean,
): HandleEvidence {
  const growingTypes = growingHandleTypes(countsBefore, countsAfter);
  const growing = new Set(growingTypes);
  const groups: HandleGroup[] = report.handles.map((h) => {
    const first = h.stack[0];
    return {
      type: h.type,
      count: h.count,
      hasRef: h.hasRef,
      ...(h.timerDelayMs !== undefined ? { timerDelayMs: h.timerDelayMs } : {}),
      ...(h.timerRepeats !== undefined ? { timerRepeats: h.timerRepeats } : {}),
      createdAt: first ? { file: first.file, line: first.line, column: first.column } : null,
      createdIn: first?.functionName ?? '',
      stack: h.stack.map((f) => ({ file: f.file, line: f.line, column: f.column, functionName: f.functionName })),
    };
  });
  const score = (g: HandleGroup) => (growing.has(resourceNameOf(g.type)) ? 2 : 0) + (g.hasRef ? 1 : 0);
  groups.sort((a, b) => score(b) - score(a) || b.count - a.count);
  return {
    trackingFromStart,
    trackingStartedByDiagnosis,
    countsBefore: { ...countsBefore },
    countsAfter: { ...countsAfter },
    growingTypes,
    groups,
    untracked: { ...report.untracked },
    note: report.note,
    truncated: report.truncated,
  };
}
