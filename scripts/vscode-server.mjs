// The real VS Code this project tests against, offline: the VS Code server inside the
// `code-server` npm package, opened in Debian's Chromium. See docs in real-vscode-tests.md.
//
//   node scripts/vscode-server.mjs          ensure code-server and Chromium, print their paths
//   node scripts/vscode-server.mjs paths    print the paths only (no install)
//
// Importable: the test harness (test/harness, test/e2e) and scripts/start.mjs use the helpers below.
// code-server lives in <repo>/.cache/code-server, outside the extension's dependency tree, so that
// `npm ci` stays small and users of the extension never download it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (the folder holding package.json). */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

/** code-server 4.100.3 bundles VS Code 1.100.3, the newest whose engines allow Node 20. */
export const CODE_SERVER_VERSION = '4.100.3';
/** The VS Code version inside it (engines.vscode must not ask for more). */
export const VSCODE_VERSION = '1.100.3';
/** @vscode/ripgrep version code-server depends on, and the rg release its postinstall fetches. */
const RIPGREP_PACKAGE_VERSION = '1.15.11';
const RIPGREP_RELEASE = 'v13.0.0-10';

/** Git-ignored cache folder of the repository. */
export const cacheDir = join(repoRoot, '.cache');
/** npm prefix code-server is installed into. */
export const codeServerPrefix = join(cacheDir, 'code-server');
const markerFile = join(codeServerPrefix, '.installed.json');

/** Chromium used by playwright-core (`npx playwright install` cannot download browsers here). */
export const chromiumPath = process.env.PV_CHROMIUM || '/usr/bin/chromium';
/** Flags for headless Chromium in containers and CI. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** User settings that make a workbench start clean: no welcome page, trust prompt, telemetry or update checks. */
export const cleanUserSettings = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'git.openRepositoryInParentFolders': 'never',
  'terminal.integrated.showTerminalConfigPrompt': false,
};

/** The installed code-server package folder. */
export function codeServerPackageDir() {
  return join(codeServerPrefix, 'node_modules', 'code-server');
}

/** VS Code's own server entry point inside code-server (accepts the smoke-test driver flags). */
export function serverMainPath() {
  return join(codeServerPackageDir(), 'lib', 'vscode', 'out', 'server-main.js');
}

/** code-server's CLI entry (a Node script: run it with process.execPath). */
export function codeServerEntry() {
  return join(codeServerPackageDir(), 'out', 'node', 'entry.js');
}

/** The `code-server` executable npm linked into the prefix. */
export function codeServerBin() {
  return join(codeServerPrefix, 'node_modules', '.bin', 'code-server');
}

/** A free TCP port on the loopback interface. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Resolves once `url` answers HTTP (any status), rejects after `timeoutMs`. */
export async function waitForHttp(url, timeoutMs = 30_000, isAlive = () => true) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`the server process exited before ${url} answered`);
    try {
      const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${lastError?.message ?? lastError}`);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
  return result;
}

function aptInstalled(name) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

/** Installs Debian packages (root only), running `apt-get update` once if the first try fails. */
function aptInstall(packages, log) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const args = ['install', '-y', '-q', ...packages];
  log(`[vscode-server] apt-get ${args.join(' ')}`);
  const first = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (first.status === 0) return;
  log('[vscode-server] apt-get install failed; running apt-get update and retrying');
  run('apt-get', ['update', '-q'], { env });
  run('apt-get', args, { env });
}

/**
 * Makes sure the system packages are there: chromium (the browser), libkrb5-dev (code-server's
 * `kerberos` native module) and ripgrep (seeds @vscode/ripgrep's download cache).
 * Installs them with apt when running as root; otherwise fails with the list to install.
 */
export function ensureSystemPackages({ log = console.log, needCodeServerBuildDeps = true } = {}) {
  const missing = [];
  if (!existsSync(chromiumPath)) missing.push('chromium');
  if (needCodeServerBuildDeps) {
    if (!aptInstalled('libkrb5-dev')) missing.push('libkrb5-dev');
    if (!existsSync('/usr/bin/rg')) missing.push('ripgrep');
    // code-server's native modules (node-pty, kerberos) are compiled by node-gyp.
    for (const [tool, pkg] of [['g++', 'g++'], ['make', 'make'], ['python3', 'python3']]) {
      if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) missing.push(pkg);
    }
  }
  if (!missing.length) return;
  if (!isRoot) {
    throw new Error(
      `missing system packages: ${missing.join(', ')}. Install them first, for example:\n` +
        `  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}\n` +
        '(chromium runs the workbench headless; libkrb5-dev, ripgrep and a C++ toolchain are needed to install code-server offline.)',
    );
  }
  aptInstall(missing, log);
  if (!existsSync(chromiumPath)) throw new Error(`apt-get installed chromium, but ${chromiumPath} does not exist`);
}

/** Puts Debian's rg where @vscode/ripgrep's postinstall looks for a cached download. */
function seedRipgrepCache(tmpDir, log) {
  const target = arch() === 'arm64' ? 'aarch64-unknown-linux-musl' : 'x86_64-unknown-linux-musl';
  const cache = join(tmpDir, `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  const tarball = join(cache, `ripgrep-${RIPGREP_RELEASE}-${target}.tar.gz`);
  if (existsSync(tarball)) return;
  mkdirSync(cache, { recursive: true });
  const staging = join(tmpDir, 'rg-staging');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  if (existsSync('/usr/bin/rg')) {
    copyFileSync('/usr/bin/rg', join(staging, 'rg'));
  } else {
    // Not installed system-wide (non-root machine): fetch the .deb and unpack it without installing.
    log('[vscode-server] apt-get download ripgrep');
    run('apt-get', ['download', '-q', 'ripgrep'], { cwd: staging });
    const deb = readdirSync(staging).find((name) => name.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download ripgrep produced no .deb');
    run('dpkg-deb', ['-x', join(staging, deb), join(staging, 'root')]);
    copyFileSync(join(staging, 'root', 'usr', 'bin', 'rg'), join(staging, 'rg'));
  }
  run('chmod', ['755', join(staging, 'rg')]);
  run('tar', ['-czf', tarball, '-C', staging, 'rg']);
  rmSync(staging, { recursive: true, force: true });
}

function readMarker() {
  try {
    return JSON.parse(readFileSync(markerFile, 'utf8'));
  } catch {
    return undefined;
  }
}

/** True when code-server CODE_SERVER_VERSION is installed in the cache (no I/O beyond two stats). */
export function isCodeServerInstalled() {
  return readMarker()?.version === CODE_SERVER_VERSION && existsSync(serverMainPath()) && existsSync(codeServerEntry());
}

/**
 * Installs code-server into <repo>/.cache/code-server unless the marker says it is already there.
 * Quick (a file read) when installed.
 */
export function ensureCodeServer({ log = console.log } = {}) {
  if (isCodeServerInstalled()) return;
  ensureSystemPackages({ log });
  const started = Date.now();
  log(`[vscode-server] installing code-server@${CODE_SERVER_VERSION} into ${codeServerPrefix} (about a minute, ~300 MB)`);
  rmSync(codeServerPrefix, { recursive: true, force: true });
  mkdirSync(codeServerPrefix, { recursive: true });
  // Its own package.json, so npm never walks up to the extension's project.
  writeFileSync(
    join(codeServerPrefix, 'package.json'),
    JSON.stringify({ name: 'process-vitals-code-server-cache', private: true, description: 'Test-only VS Code server; see scripts/vscode-server.mjs' }, null, 2) + '\n',
  );
  const tmpDir = join(cacheDir, 'code-server-tmp');
  mkdirSync(tmpDir, { recursive: true });
  seedRipgrepCache(tmpDir, log);

  const env = { ...process.env };
  // When this runs under `npm test`, npm's own prefix settings must not leak into this install.
  for (const key of Object.keys(env)) {
    if (/^npm_config_(local_)?prefix$/i.test(key) || /^npm_config_global$/i.test(key)) delete env[key];
  }
  Object.assign(env, {
    TMPDIR: tmpDir,
    npm_config_unsafe_perm: 'true', // code-server's postinstall refuses root otherwise
    npm_config_yes: 'true', // node-pty's postinstall runs `npx node-gyp`
    npm_config_nodedir: '/usr', // Node headers from the system instead of a download
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  run(npm, ['install', '--prefix', codeServerPrefix, '--no-package-lock', '--loglevel=error', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: codeServerPrefix,
    env,
  });
  if (!existsSync(serverMainPath())) throw new Error(`code-server installed, but ${serverMainPath()} is missing`);
  writeFileSync(markerFile, JSON.stringify({ version: CODE_SERVER_VERSION, vscode: VSCODE_VERSION, installedAt: new Date().toISOString() }, null, 2) + '\n');
  rmSync(tmpDir, { recursive: true, force: true });
  log(`[vscode-server] code-server@${CODE_SERVER_VERSION} installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Ensures everything a real-VS-Code test needs: Chromium and the VS Code server. */
export function ensureVsCodeServer({ log = console.log } = {}) {
  ensureSystemPackages({ log, needCodeServerBuildDeps: !isCodeServerInstalled() });
  ensureCodeServer({ log });
  return { serverMain: serverMainPath(), codeServer: codeServerEntry(), chromium: chromiumPath };
}

const isMain = process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url;
if (isMain) {
  try {
    if (process.argv[2] !== 'paths') ensureVsCodeServer();
    console.log(`server-main.js  ${serverMainPath()}`);
    console.log(`code-server     ${codeServerEntry()}`);
    console.log(`chromium        ${chromiumPath}`);
  } catch (error) {
    console.error(`[vscode-server] ${error.message}`);
    process.exit(1);
  }
}
