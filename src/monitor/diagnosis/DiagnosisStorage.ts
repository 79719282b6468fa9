import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Folder names of diagnoses: `diagnosis-<YYYYMMDD-HHMMSS-mmm>-pid<N>`; nothing else in the storage folder is ever touched. */
const FOLDER_PATTERN = /^diagnosis-(\d{8}-\d{6}-\d{3})-pid(\d+)$/;

/** A diagnosis folder found in storage. */
export interface StoredDiagnosis {
  readonly folder: string;
  readonly pid: number;
  readonly startedAt: number;
  /** Total size of its files. */
  readonly bytes: number;
}

/**
 * Where diagnoses keep their snapshots and reports (extension storage, or the CLI's --out): one
 * private folder per diagnosis; older ones beyond a count are removed.
 */
export class DiagnosisStorage {
  constructor(readonly root: string) {}

  /** Creates a fresh folder (mode 0700: snapshots can contain secrets) for a diagnosis of pid. */
  createFolder(pid: number, now = new Date()): string {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}-${pad(now.getMilliseconds(), 3)}`;
    let folder = join(this.root, `diagnosis-${stamp}-pid${pid}`);
    for (let i = 1; ; i++) {
      try {
        mkdirSync(folder, { mode: 0o700 });
        return folder;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || i > 100) throw error;
        const later = new Date(now.getTime() + i);
        folder = join(this.root, `diagnosis-${stamp.slice(0, 16)}${pad(later.getMilliseconds(), 3)}-pid${pid}`);
      }
    }
  }

  /** The stored diagnoses, newest first. */
  list(): StoredDiagnosis[] {
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    const found: StoredDiagnosis[] = [];
    for (const name of names) {
      const m = FOLDER_PATTERN.exec(name);
      if (!m) continue;
      const folder = join(this.root, name);
      const s = m[1];
      const startedAt = new Date(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(9, 11), +s.slice(11, 13), +s.slice(13, 15), +s.slice(16, 19)).getTime();
      found.push({ folder, pid: Number(m[2]), startedAt, bytes: folderBytes(folder) });
    }
    return found.sort((a, b) => b.startedAt - a.startedAt || b.folder.localeCompare(a.folder));
  }

  /** Removes all but the newest `keep` diagnoses (never `except`); returns the folders removed. */
  prune(keep: number, except?: string): string[] {
    const removed: string[] = [];
    let kept = 0;
    for (const stored of this.list()) {
      if (stored.folder === except) continue;
      if (kept < keep) {
        kept++;
        continue;
      }
      remove(stored.folder);
      removed.push(stored.folder);
    }
    return removed;
  }
}

/**
 * Deletes all but the `keep` newest files (by modification time) of a folder whose names match;
 * returns the files removed. Housekeeping: a file that vanished or cannot be read is left alone.
 */
export function keepNewestFiles(folder: string, name: RegExp, keep: number): string[] {
  let names: string[];
  try {
    names = readdirSync(folder).filter((f) => name.test(f));
  } catch {
    return [];
  }
  const files: { path: string; mtime: number }[] = [];
  for (const f of names) {
    try {
      files.push({ path: join(folder, f), mtime: statSync(join(folder, f)).mtimeMs });
    } catch {
      // Removed meanwhile.
    }
  }
  files.sort((a, b) => b.mtime - a.mtime || b.path.localeCompare(a.path));
  const removed = files.slice(Math.max(0, keep)).map((f) => f.path);
  for (const file of removed) rmSync(file, { force: true });
  return removed;
}

/** Removes a folder and everything in it; missing is fine. */
export function remove(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
}

function folderBytes(folder: string): number {
  let total = 0;
  try {
    for (const name of readdirSync(folder)) {
      try {
        total += statSync(join(folder, name)).size;
      } catch {
        // Removed meanwhile.
      }
    }
  } catch {
    // Removed meanwhile.
  }
  return total;
}
