/**
 * The Processes tree as data: origins (a terminal, the user's watch list) with the process trees
 * under them. Computed from the monitor's model on every tick; the view only renders it.
 * Pure: no vscode import, so it is unit-tested in plain Node.
 */
import type { WatchedProcess } from '../monitor/Monitor';
import { TreeItemKinds } from './contributions';
import { formatBytes, formatPercent, shortenCommand } from './format';

/** Where a watched root came from. */
export type OriginKind = 'terminal' | 'watched';

/** One root PID and where it came from, as the trackers report it. */
export interface OriginRoot {
  readonly kind: OriginKind;
  /** Stable id of the origin ("terminal:1234"). */
  readonly id: string;
  /** What the user calls it ("bash", "dev server"). */
  readonly label: string;
  readonly rootPid: number;
}

/** A node of the tree model. */
export interface ProcessTreeNode {
  /** Unique and stable across ticks: tree items keep their expansion state by it. */
  readonly id: string;
  readonly contextValue: string;
  readonly label: string;
  readonly description: string;
  readonly tooltip: string;
  readonly pid?: number;
  readonly command?: string;
  readonly children: readonly ProcessTreeNode[];
}

/** Sums over the processes the tree shows, for the status bar. */
export interface ProcessTotals {
  readonly processCount: number;
  readonly cpuPercent: number;
  readonly rssBytes: number;
  /** The busiest processes first, at most five. */
  readonly top: readonly WatchedProcess[];
}

/** Builds the tree: one group per origin, the origin's descendants nested by parent PID. */
export function buildProcessTree(origins: readonly OriginRoot[], processes: readonly WatchedProcess[]): ProcessTreeNode[] {
  const byPid = new Map<number, WatchedProcess>();
  const childrenOf = new Map<number, WatchedProcess[]>();
  for (const p of processes) {
    byPid.set(p.info.pid, p);
    const siblings = childrenOf.get(p.info.ppid);
    if (siblings) siblings.push(p);
    else childrenOf.set(p.info.ppid, [p]);
  }
  for (const siblings of childrenOf.values()) siblings.sort((a, b) => a.info.startTime - b.info.startTime || a.info.pid - b.info.pid);

  const processNode = (origin: string, p: WatchedProcess, depth: number, contextValue: string): ProcessTreeNode => ({
    id: `${origin}/${p.key}`,
    contextValue,
    label: labelOf(p),
    description: describe(p),
    tooltip: tooltipOf(p),
    pid: p.info.pid,
    command: p.info.command || p.info.name,
    // A depth bound guards against a PID cycle in a corrupt read ever recursing forever.
    children: depth > 64 ? [] : (childrenOf.get(p.info.pid) ?? []).map((c) => processNode(origin, c, depth + 1, TreeItemKinds.process)),
  });

  const nodes: ProcessTreeNode[] = [];
  const watchedRoots: ProcessTreeNode[] = [];
  for (const origin of origins) {
    const root = byPid.get(origin.rootPid);
    if (origin.kind === 'terminal') {
      // The shell is the group: what the user ran are its children.
      const children = root ? (childrenOf.get(root.info.pid) ?? []).map((c) => processNode(origin.id, c, 1, TreeItemKinds.process)) : [];
      nodes.push({
        id: origin.id,
        contextValue: TreeItemKinds.origin,
        label: `Terminal: ${origin.label}`,
        description: root ? `${root.info.name} ${root.info.pid}` : `shell ${origin.rootPid}`,
        tooltip: root ? tooltipOf(root) : `Shell PID ${origin.rootPid}`,
        pid: origin.rootPid,
        children,
      });
    } else if (root) {
      watchedRoots.push(processNode(origin.id, root, 0, TreeItemKinds.watchedRoot));
    }
  }
  if (watchedRoots.length) {
    nodes.push({
      id: 'watched',
      contextValue: TreeItemKinds.origin,
      label: 'Watched',
      description: `${watchedRoots.length} process${watchedRoots.length === 1 ? '' : 'es'}`,
      tooltip: 'Processes you chose with "Watch Process..."',
      children: watchedRoots,
    });
  }
  return nodes;
}

/** Totals over the processes shown under any origin (shells excluded: they are the terminals themselves). */
export function totalsOf(origins: readonly OriginRoot[], processes: readonly WatchedProcess[]): ProcessTotals {
  const shellPids = new Set(origins.filter((o) => o.kind === 'terminal').map((o) => o.rootPid));
  const counted = processes.filter((p) => !shellPids.has(p.info.pid));
  let cpuPercent = 0;
  let rssBytes = 0;
  for (const p of counted) {
    cpuPercent += p.latest?.cpuPercent ?? 0;
    rssBytes += p.latest?.rssBytes ?? 0;
  }
  const top = [...counted].sort((a, b) => (b.latest?.cpuPercent ?? 0) - (a.latest?.cpuPercent ?? 0)).slice(0, 5);
  return { processCount: counted.length, cpuPercent, rssBytes, top };
}

function labelOf(p: WatchedProcess): string {
  return p.info.command ? shortenCommand(p.info.command, 60) : p.info.name;
}

function describe(p: WatchedProcess): string {
  const sample = p.latest;
  if (!sample) return `${p.info.pid}`;
  return `${p.info.pid} · ${formatPercent(sample.cpuPercent)} · ${formatBytes(sample.rssBytes)}`;
}

function tooltipOf(p: WatchedProcess): string {
  const lines = [
    p.info.command || p.info.name,
    `PID ${p.info.pid} (parent ${p.info.ppid})`,
    `Started ${new Date(p.info.startTime).toLocaleString()}`,
  ];
  if (p.latest) lines.push(`CPU ${formatPercent(p.latest.cpuPercent)} · RSS ${formatBytes(p.latest.rssBytes)}`);
  return lines.join('\n');
}
