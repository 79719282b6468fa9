/**
 * The Processes tree as data: origins (a terminal, the user's watch list) with the process trees
 * under them. Computed from the monitor's model on every tick; the view only renders it.
 * Pure: no vscode import, so it is unit-tested in plain Node.
 */
import type { LeakVerdict } from '../monitor/leaks/LeakVerdict';
import type { WatchedProcess } from '../monitor/Monitor';
import { TreeItemKinds } from './contributions';
import { formatBytes, formatDuration, formatPercent, shortenCommand } from './format';

/** Where a watched root came from. */
export type OriginKind = 'terminal' | 'task' | 'debug' | 'watched' | 'orphaned';

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
  /** Set on process nodes: pid@startTime, so an action never hits a process that reused the PID. */
  readonly processKey?: string;
  readonly command?: string;
  /** Set on process nodes whose Node agent is connected (heap and event-loop vitals are known). */
  readonly agent?: boolean;
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

/** What each origin kind's group is called. */
const GROUP_PREFIX: Record<'terminal' | 'task' | 'debug', string> = { terminal: 'Terminal', task: 'Task', debug: 'Debug' };

/**
 * Builds the tree. A terminal is a group whose children are what runs in its shell; a task or a debug
 * session is a group holding its root process; watched and orphaned roots share one group each.
 */
export function buildProcessTree(
  origins: readonly OriginRoot[],
  processes: readonly WatchedProcess[],
  now = Date.now(),
  leaksOf: (processKey: string) => readonly LeakVerdict[] = () => [],
): ProcessTreeNode[] {
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
    description: describe(p, leaksOf(p.key)),
    tooltip: tooltipOf(p, byPid.get(p.info.ppid), now, leaksOf(p.key)),
    pid: p.info.pid,
    processKey: p.key,
    command: p.info.command || p.info.name,
    agent: p.agent?.connected === true,
    // A depth bound guards against a PID cycle in a corrupt read ever recursing forever.
    children: depth > 64 ? [] : (childrenOf.get(p.info.pid) ?? []).map((c) => processNode(origin, c, depth + 1, TreeItemKinds.process)),
  });

  const nodes: ProcessTreeNode[] = [];
  const watchedRoots: ProcessTreeNode[] = [];
  const orphanRoots: ProcessTreeNode[] = [];
  const orphanPids = new Set(origins.filter((o) => o.kind === 'orphaned').map((o) => o.rootPid));
  // A task runs in a terminal of its own and a debuggee often in one too: show each under its task or
  // debug session only, the more telling origin, and not again under the terminal.
  const claimedByTaskOrDebug = new Set(origins.filter((o) => o.kind === 'task' || o.kind === 'debug').map((o) => o.rootPid));
  const terminalChildren = (shellPid: number, originId: string) =>
    (childrenOf.get(shellPid) ?? []).filter((c) => !claimedByTaskOrDebug.has(c.info.pid)).map((c) => processNode(originId, c, 1, TreeItemKinds.process));
  for (const origin of origins) {
    const root = byPid.get(origin.rootPid);
    switch (origin.kind) {
      case 'terminal':
        if (claimedByTaskOrDebug.has(origin.rootPid)) break;
        // The shell is the group: what the user ran are its children.
        nodes.push({
          id: origin.id,
          contextValue: TreeItemKinds.origin,
          label: `${GROUP_PREFIX.terminal}: ${origin.label}`,
          description: root ? `${root.info.name} ${root.info.pid}` : `shell ${origin.rootPid}`,
          tooltip: root ? tooltipOf(root, undefined, now) : `Shell PID ${origin.rootPid}`,
          pid: origin.rootPid,
          children: root ? terminalChildren(root.info.pid, origin.id) : [],
        });
        break;
      case 'task':
      case 'debug':
        nodes.push({
          id: origin.id,
          contextValue: TreeItemKinds.origin,
          label: `${GROUP_PREFIX[origin.kind]}: ${origin.label}`,
          description: root ? '' : `PID ${origin.rootPid}`,
          tooltip: `${GROUP_PREFIX[origin.kind]} "${origin.label}", PID ${origin.rootPid}`,
          children: root ? [processNode(origin.id, root, 0, TreeItemKinds.process)] : [],
        });
        break;
      case 'watched':
        if (root) watchedRoots.push(processNode(origin.id, root, 0, TreeItemKinds.watchedRoot));
        break;
      case 'orphaned':
        // An orphan whose parent is an orphan too is shown under it, not again at the top.
        if (root && !orphanPids.has(root.info.ppid)) orphanRoots.push(processNode(origin.id, root, 0, TreeItemKinds.orphan));
        break;
    }
  }
  const group = (id: string, label: string, tooltip: string, children: ProcessTreeNode[]): ProcessTreeNode => ({
    id,
    contextValue: TreeItemKinds.origin,
    label,
    description: `${children.length} process${children.length === 1 ? '' : 'es'}`,
    tooltip,
    children,
  });
  if (watchedRoots.length) nodes.push(group('watched', 'Watched', 'Processes you chose with "Watch Process..."', watchedRoots));
  if (orphanRoots.length) {
    nodes.push(group('orphaned', 'Orphaned', 'Processes that kept running after the terminal, task or debug session that started them ended', orphanRoots));
  }
  return nodes;
}

/** Every watched process below rootPid (the root itself excluded), following parent links. */
export function descendantsOf(rootPid: number, processes: readonly WatchedProcess[]): WatchedProcess[] {
  const childrenOf = new Map<number, WatchedProcess[]>();
  for (const p of processes) {
    const siblings = childrenOf.get(p.info.ppid);
    if (siblings) siblings.push(p);
    else childrenOf.set(p.info.ppid, [p]);
  }
  const found: WatchedProcess[] = [];
  const seen = new Set<number>([rootPid]);
  const queue = [rootPid];
  while (queue.length) {
    for (const child of childrenOf.get(queue.shift()!) ?? []) {
      if (seen.has(child.info.pid)) continue;
      seen.add(child.info.pid);
      found.push(child);
      queue.push(child.info.pid);
    }
  }
  return found;
}

/** Direction of a memory series over its recent samples, or undefined while there are too few. */
export type Trend = 'rising' | 'falling' | 'steady';

/** Samples a trend looks at, and the least it needs. */
const TREND_WINDOW = 30;
const TREND_MIN_SAMPLES = 10;
/** Relative change between the first and last third of the window that counts as a trend. */
const TREND_THRESHOLD = 0.05;

/** Compares the mean of the window's last third with its first third; small changes are steady. */
export function trendOf(values: ArrayLike<number>): Trend | undefined {
  const n = Math.min(values.length, TREND_WINDOW);
  if (n < TREND_MIN_SAMPLES) return undefined;
  const start = values.length - n;
  const third = Math.floor(n / 3);
  const mean = (from: number, to: number) => {
    let sum = 0;
    let count = 0;
    for (let i = from; i < to; i++) {
      if (Number.isFinite(values[i])) {
        sum += values[i];
        count++;
      }
    }
    return count ? sum / count : NaN;
  };
  const early = mean(start, start + third);
  const late = mean(values.length - third, values.length);
  if (!(early > 0) || !Number.isFinite(late)) return undefined;
  const change = (late - early) / early;
  return change > TREND_THRESHOLD ? 'rising' : change < -TREND_THRESHOLD ? 'falling' : 'steady';
}

const TREND_ARROW: Record<Trend, string> = { rising: '↑', falling: '↓', steady: '→' };

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

function describe(p: WatchedProcess, verdicts: readonly LeakVerdict[]): string {
  const sample = p.latest;
  if (!sample) return `${p.info.pid}`;
  const trend = trendOf(p.history.recent('rssBytes').values);
  const parts = [`${p.info.pid}`, formatPercent(sample.cpuPercent), `${formatBytes(sample.rssBytes)}${trend ? ` ${TREND_ARROW[trend]}` : ''}`];
  const agent = p.agent?.connected ? p.agent.latest : undefined;
  if (agent) parts.push(`heap ${formatBytes(agent.memory.heapUsed)}`, `loop ${formatMs(agent.eventLoopDelay.p99)}`);
  const leak = worstLeak(verdicts);
  if (leak) parts.push(`${leak.kind} leak? ${formatRate(leak)}`);
  return parts.join(' · ');
}

/** Milliseconds with a precision that suits event-loop delays ("0.4 ms", "12 ms"). */
function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

function tooltipOf(p: WatchedProcess, parent: WatchedProcess | undefined, now: number, verdicts: readonly LeakVerdict[] = []): string {
  const lines = [
    p.info.command || p.info.name,
    `PID ${p.info.pid} · parent ${p.info.ppid}${parent ? ` (${parent.info.name})` : ''}`,
  ];
  if (p.info.cwd) lines.push(`Working directory ${p.info.cwd}`);
  lines.push(`Started ${new Date(p.info.startTime).toLocaleString()} · up ${formatDuration(now - p.info.startTime)}`);
  if (p.latest) {
    const trend = trendOf(p.history.recent('rssBytes').values);
    lines.push(`CPU ${formatPercent(p.latest.cpuPercent)} · memory ${formatBytes(p.latest.rssBytes)}${trend ? ` (${trend})` : ''}`);
  }
  const agent = p.agent?.connected ? p.agent : undefined;
  if (agent) {
    const r = agent.latest;
    const handles = Object.values(r.activeResources).reduce((sum, n) => sum + n, 0);
    lines.push(
      `Node ${agent.hello.nodeVersion} with the Process Vitals agent`,
      `Heap ${formatBytes(r.memory.heapUsed)} of ${formatBytes(r.memory.heapTotal)}${r.heapAfterGc !== null ? ` · after last major GC ${formatBytes(r.heapAfterGc)}` : ''} · external ${formatBytes(r.memory.external + r.memory.arrayBuffers)}`,
      `Event loop p99 delay ${formatMs(r.eventLoopDelay.p99)} · utilization ${Math.round(r.eventLoopUtilization * 100)}% · ${handles} active handle${handles === 1 ? '' : 's'}`,
    );
  }
  for (const v of verdicts.filter((x) => x.state === 'leak')) {
    lines.push(`Leak suspected: ${v.signal} grows ${formatRate(v)} (${Math.round(v.confidence * 100)}% confidence)${v.onsetTime ? ` since ${new Date(v.onsetTime).toLocaleTimeString()}` : ''}`);
  }
  // Growth the detector saw but has not called a leak (heapUsed waits for a major GC to show the
  // growth is live; light processes can go minutes without one): shown, so the developer is not
  // left guessing, but no alert.
  for (const v of verdicts.filter((x) => x.state === 'steady' && x.suspected)) {
    lines.push(`Growing, not yet a leak: ${v.signal} rises ${formatRate(v)}; waiting for a major GC to show whether it is live memory or garbage`);
  }
  return lines.join('\n');
}

/** The leak verdict to show first: the most confident one. */
function worstLeak(verdicts: readonly LeakVerdict[]): LeakVerdict | undefined {
  return verdicts.filter((v) => v.state === 'leak').sort((a, b) => b.confidence - a.confidence)[0];
}

/** A growth rate in its unit ("64 KB/s", "2.5 handles/s"). */
function formatRate(v: LeakVerdict): string {
  return v.kind === 'handles' ? `${v.rate.toFixed(1)} handles/s` : `${formatBytes(v.rate)}/s`;
}
