/**
 * The packaged extension as users get it: builds the .vsix with vsce and checks what went in.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** Largest acceptable .vsix: the extension ships bundles, not node_modules. */
export const MAX_VSIX_BYTES = 2 * 1024 * 1024;

/** What may be inside the .vsix; vsce puts the extension's files under `extension/`. */
const ALLOWED_ENTRIES: readonly RegExp[] = [
  /^\[Content_Types\]\.xml$/,
  /^extension\.vsixmanifest$/,
  /^extension\/package\.json$/,
  /^extension\/(README|CHANGELOG)\.md$/i,
  /^extension\/LICENSE(\.(txt|md))?$/i,
  /^extension\/dist\/(?!.*\.map$).+/, // bundles, without source maps
  /^extension\/media\/.+/,
];

/** One entry of a zip file's central directory. */
export interface ZipEntry {
  readonly name: string;
  readonly compressedSize: number;
  readonly size: number;
}

/** Lists a zip file's entries from its central directory (no extraction, no dependency). */
export function listZipEntries(file: string): ZipEntry[] {
  const zip = readFileSync(file);
  // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip file`);
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${file}: corrupt central directory`);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    entries.push({ name, compressedSize, size });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Problems with a .vsix's contents and size; empty when it is fine. */
export function checkVsix(file: string): { entries: ZipEntry[]; problems: string[] } {
  const entries = listZipEntries(file).filter((entry) => !entry.name.endsWith('/'));
  const problems: string[] = [];
  const unexpected = entries.filter((entry) => !ALLOWED_ENTRIES.some((pattern) => pattern.test(entry.name)));
  if (unexpected.length) {
    problems.push(
      `unexpected files in the .vsix (tighten .vscodeignore): ${unexpected.map((e) => e.name).join(', ')}`,
    );
  }
  // vsce writes readme.md in lower case.
  for (const required of ['extension/package.json', 'extension/README.md']) {
    if (!entries.some((entry) => entry.name.toLowerCase() === required.toLowerCase())) problems.push(`the .vsix lacks ${required}`);
  }
  if (!entries.some((entry) => /^extension\/dist\/.+\.js$/.test(entry.name))) problems.push('the .vsix has no dist/*.js bundle');
  const bytes = statSync(file).size;
  if (bytes >= MAX_VSIX_BYTES) problems.push(`the .vsix is ${(bytes / 1024 / 1024).toFixed(2)} MB; the limit is ${MAX_VSIX_BYTES / 1024 / 1024} MB`);
  return { entries, problems };
}

/**
 * Packages the extension in `extensionRoot` with vsce (which runs its vscode:prepublish script, the
 * production build) into `outFile`.
 */
export function packageVsix(repoRoot: string, extensionRoot: string, outFile: string): void {
  mkdirSync(path.dirname(outFile), { recursive: true });
  rmSync(outFile, { force: true });
  const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  const result = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '-o', outFile], {
    cwd: extensionRoot,
    stdio: 'inherit',
    env: { ...process.env, CI: 'true' },
  });
  if (result.status !== 0) throw new Error(`vsce package failed (exit ${result.status ?? result.signal})`);
}
