/**
 * Typed access, from the TypeScript harness, to scripts/vscode-server.mjs (plain ESM so that it runs
 * without a build; the harness loads it at run time instead of bundling it).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/** What scripts/vscode-server.mjs exports. */
export interface VsCodeServerScript {
  readonly repoRoot: string;
  readonly CODE_SERVER_VERSION: string;
  readonly VSCODE_VERSION: string;
  readonly cacheDir: string;
  readonly chromiumPath: string;
  readonly chromiumArgs: readonly string[];
  readonly cleanUserSettings: Readonly<Record<string, unknown>>;
  serverMainPath(): string;
  codeServerEntry(): string;
  codeServerBin(): string;
  freePort(): Promise<number>;
  waitForHttp(url: string, timeoutMs?: number, isAlive?: () => boolean): Promise<void>;
  ensureVsCodeServer(options?: { log?: (line: string) => void }): { serverMain: string; codeServer: string; chromium: string };
}

/** The repository root: the nearest folder above this bundle whose package.json is ours. */
export const repoRoot: string = findRepoRoot(__dirname);

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'process-vitals') {
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`no process-vitals package.json above ${start}`);
  }
}

/** Loads scripts/vscode-server.mjs. */
export async function loadVsCodeServerScript(): Promise<VsCodeServerScript> {
  const url = pathToFileURL(path.join(repoRoot, 'scripts', 'vscode-server.mjs')).href;
  return (await import(url)) as VsCodeServerScript;
}
