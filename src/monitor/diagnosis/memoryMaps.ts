import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MemoryMapBreakdown } from './DiagnosisReport';

/**
 * The resident memory of a Linux process by kind, from /proc/<pid>/smaps: the brk heap ([heap],
 * malloc's main arena), stacks, other anonymous memory (mmap'd arenas, V8's and other runtimes'
 * heaps, JIT code), shared memory and mapped files. Costs a few milliseconds: read on request only.
 */
export function parseSmaps(text: string): MemoryMapBreakdown {
  let rss = 0;
  let anonymous = 0;
  let fileBacked = 0;
  let brkHeap = 0;
  let stack = 0;
  let shmem = 0;
  let swap = 0;
  let kind: 'anon' | 'file' | 'heap' | 'stack' | 'shmem' = 'anon';
  for (const line of text.split('\n')) {
    // A mapping header: "start-end perms offset dev inode [pathname]".
    const header = /^[0-9a-f]+-[0-9a-f]+\s+(\S+)\s+\S+\s+\S+\s+(\d+)\s*(.*)$/.exec(line);
    if (header) {
      const perms = header[1];
      const inode = header[2];
      const name = header[3].trim();
      if (name === '[heap]') kind = 'heap';
      else if (name === '[stack]' || name.startsWith('[stack:')) kind = 'stack';
      else if (name.startsWith('/dev/shm/') || name.startsWith('/memfd:') || name.startsWith('/SYSV') || (perms.includes('s') && inode !== '0')) kind = 'shmem';
      else if (inode !== '0' || name.startsWith('/')) kind = 'file';
      else kind = 'anon';
      continue;
    }
    const field = /^(Rss|Swap):\s+(\d+) kB/.exec(line);
    if (!field) continue;
    const bytes = Number(field[2]) * 1024;
    if (field[1] === 'Swap') {
      swap += bytes;
      continue;
    }
    rss += bytes;
    switch (kind) {
      case 'heap':
        brkHeap += bytes;
        break;
      case 'stack':
        stack += bytes;
        break;
      case 'shmem':
        shmem += bytes;
        break;
      case 'file':
        fileBacked += bytes;
        break;
      default:
        anonymous += bytes;
    }
  }
  return { rssBytes: rss, anonymousBytes: anonymous, fileBackedBytes: fileBacked, brkHeapBytes: brkHeap, stackBytes: stack, shmemBytes: shmem, swapBytes: swap };
}

/** The breakdown of pid's memory, or why there is none (not Linux, no permission, gone). */
export function readMemoryMaps(pid: number, procRoot = '/proc', platform: NodeJS.Platform = process.platform): MemoryMapBreakdown | { readonly unavailable: string } {
  if (platform !== 'linux') return { unavailable: `a memory map breakdown needs Linux's /proc/<pid>/smaps (this is ${platform})` };
  try {
    return parseSmaps(readFileSync(join(procRoot, String(pid), 'smaps'), 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { unavailable: code === 'EACCES' || code === 'EPERM' ? `no permission to read /proc/${pid}/smaps (another user's process)` : `could not read /proc/${pid}/smaps (${code ?? String(error)})` };
  }
}

/** The resident set size of pid from /proc/<pid>/statm (more precise than stat's rss), or undefined. */
export function readRssBytes(pid: number, procRoot = '/proc', pageSize = 4096): number | undefined {
  try {
    const fields = readFileSync(join(procRoot, String(pid), 'statm'), 'utf8').split(' ');
    const pages = Number(fields[1]);
    return Number.isFinite(pages) ? pages * pageSize : undefined;
  } catch {
    return undefined;
  }
}
