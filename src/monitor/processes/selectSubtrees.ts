/** In-memory tree walk shared by the sources that read the whole process table at once (ps, CIM). */

/** Returns the roots that exist and all their descendants, each once, roots first, then breadth-first. */
export function selectSubtrees<T extends { readonly pid: number; readonly ppid: number }>(all: readonly T[], roots: readonly number[]): T[] {
  const byPid = new Map<number, T>();
  const childrenOf = new Map<number, T[]>();
  for (const process of all) {
    byPid.set(process.pid, process);
    // pid 0 (macOS kernel_task, Windows System Idle Process) is its own parent: not a child of itself.
    if (process.ppid === process.pid) continue;
    const siblings = childrenOf.get(process.ppid);
    if (siblings) siblings.push(process);
    else childrenOf.set(process.ppid, [process]);
  }
  const selected: T[] = [];
  const seen = new Set<number>();
  const queue: T[] = [];
  for (const root of roots) {
    const process = byPid.get(root);
    if (process !== undefined && !seen.has(root)) {
      seen.add(root);
      queue.push(process);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    const process = queue[i]!;
    selected.push(process);
    for (const child of childrenOf.get(process.pid) ?? []) {
      if (!seen.has(child.pid)) {
        seen.add(child.pid);
        queue.push(child);
      }
    }
  }
  return selected;
}
