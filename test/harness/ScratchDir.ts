/**
 * A throwaway folder for one harness run: HOME, TMPDIR, VS Code's data folders, the browser profile
 * and the test workspace, so that nothing writes into the real home or /tmp.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A fresh temporary folder with named subfolders; {@link ScratchDir.dispose} removes it. */
export class ScratchDir {
  /** The folder itself (short, under os.tmpdir(): VS Code puts Unix sockets below it). */
  readonly root: string;

  constructor(name: string) {
    this.root = mkdtempSync(path.join(os.tmpdir(), `pv-${name}-`));
  }

  /** A subfolder, created on first use. */
  dir(...segments: string[]): string {
    const dir = path.join(this.root, ...segments);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Writes a JSON file below the scratch folder (creating parent folders). */
  writeJson(relativePath: string, value: unknown): string {
    const file = path.join(this.root, relativePath);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
    return file;
  }

  /**
   * A fresh workspace folder: a copy of `template` when it exists, else empty. Tests may change it
   * freely; the template in the repository stays untouched.
   */
  workspace(template: string | undefined, name = 'workspace'): string {
    const target = path.join(this.root, name);
    if (template && existsSync(template)) {
      cpSync(template, target, { recursive: true });
    } else {
      mkdirSync(target, { recursive: true });
    }
    return target;
  }

  /** Removes the folder (kept when PV_KEEP_SCRATCH=1, for post-mortems). */
  dispose(): void {
    if (process.env.PV_KEEP_SCRATCH === '1') {
      console.log(`[harness] kept scratch folder ${this.root}`);
      return;
    }
    rmSync(this.root, { recursive: true, force: true, maxRetries: 3 });
  }
}
