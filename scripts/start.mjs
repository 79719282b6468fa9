// `npm start`: try the extension in a real VS Code with the demo workspace.
//
// With a desktop `code` on PATH: opens it as an Extension Development Host on a copy of demo/.
// Otherwise (servers, containers, this project's offline machines): serves VS Code's server from
// code-server on 127.0.0.1 with the extension loaded from this folder as a development extension,
// rebuilds on every change (esbuild watch), and prints the URL to open. After an edit, run
// "Developer: Reload Window" in that VS Code. Ctrl-C stops everything.
//
//   node scripts/start.mjs [--port N] [--no-watch]
//   PV_EXTENSION_PATH=<folder>  load an already built extension from another folder (no build, no watch)
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cacheDir,
  cleanUserSettings,
  ensureVsCodeServer,
  freePort,
  repoRoot,
  serverMainPath,
  VSCODE_VERSION,
  waitForHttp,
} from './vscode-server.mjs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const portArg = process.argv.indexOf('--port');
const extensionPath = process.env.PV_EXTENSION_PATH || repoRoot.replace(/\/$/, '');
const ownExtension = !process.env.PV_EXTENSION_PATH;
const watch = ownExtension && !process.argv.includes('--no-watch');

function runOrExit(command, args) {
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[start] ${command} ${args.join(' ')} failed`);
    process.exit(result.status ?? 1);
  }
}

if (!existsSync(join(repoRoot, 'node_modules'))) runOrExit(npm, ['ci', '--no-audit', '--no-fund']);
if (ownExtension) runOrExit(process.execPath, ['scripts/build.mjs']);

// A fresh copy of demo/ each time, so trying things out never changes the repository.
const workspace = join(cacheDir, 'demo-workspace');
rmSync(workspace, { recursive: true, force: true });
if (existsSync(join(repoRoot, 'demo'))) cpSync(join(repoRoot, 'demo'), workspace, { recursive: true });
else mkdirSync(workspace, { recursive: true });

const hasDesktopCode = spawnSync('sh', ['-c', 'command -v code'], { stdio: 'ignore' }).status === 0 && !process.env.PV_START_SERVER;
if (hasDesktopCode) {
  console.log(`[start] opening desktop VS Code on ${workspace} with the extension from ${extensionPath}`);
  const result = spawnSync('code', ['--new-window', `--extensionDevelopmentPath=${extensionPath}`, workspace], { stdio: 'inherit' });
  console.log('[start] run `npm run watch` to rebuild on save, then "Developer: Reload Window" in the Extension Development Host.');
  process.exit(result.status ?? 0);
}

ensureVsCodeServer({ log: (line) => console.log(line) });

// Server state persists across starts (.cache/start); sockets go in a short temporary folder.
const state = join(cacheDir, 'start');
const serverData = join(state, 'server');
mkdirSync(join(serverData, 'data', 'Machine'), { recursive: true });
writeFileSync(join(serverData, 'data', 'Machine', 'settings.json'), JSON.stringify(cleanUserSettings, null, 2) + '\n');
// code-server's VS Code keeps user settings on the server: start clean, but keep the user's edits.
const userSettings = join(state, 'user', 'User', 'settings.json');
if (!existsSync(userSettings)) {
  mkdirSync(join(state, 'user', 'User'), { recursive: true });
  writeFileSync(userSettings, JSON.stringify(cleanUserSettings, null, 2) + '\n');
}
const home = join(state, 'home');
mkdirSync(home, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), 'pv-start-'));

const port = portArg > 0 ? Number(process.argv[portArg + 1]) : await freePort();
// A connection token keeps other local users out; the URL below carries it (as ?tkn=).
const token = randomBytes(16).toString('hex');
const env = { ...process.env, HOME: home, TMPDIR: tmp };
for (const key of Object.keys(env)) if (/^(VSCODE_|ELECTRON_)/.test(key)) delete env[key];

const children = [];
const server = spawn(
  process.execPath,
  [
    serverMainPath(),
    '--host', '127.0.0.1',
    '--port', String(port),
    '--connection-token', token,
    '--accept-server-license-terms',
    '--disable-telemetry',
    '--disable-workspace-trust', // the demo folder is ours
    '--server-data-dir', serverData,
    '--user-data-dir', join(state, 'user'),
    '--extensions-dir', join(state, 'extensions'),
    '--default-folder', workspace,
  ],
  { cwd: workspace, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
);
children.push(server);
let serverOutput = '';
server.stdout.on('data', (chunk) => (serverOutput += chunk));
server.stderr.on('data', (chunk) => (serverOutput += chunk));
server.on('exit', (code, signal) => {
  if (!stopping) {
    console.error(`[start] the VS Code server exited (${code ?? signal}):\n${serverOutput.slice(-4000)}`);
    stop(1);
  }
});

if (watch) {
  const watcher = spawn(process.execPath, ['scripts/build.mjs', '--watch'], { cwd: repoRoot, stdio: 'inherit', detached: true });
  children.push(watcher);
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGTERM'); // the whole group: extension host, pty host, terminals' shells
    } catch {
      // already gone
    }
  }
  setTimeout(() => {
    for (const child of children) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(tmp, { recursive: true, force: true });
    process.exit(code);
  }, 1_500);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

await waitForHttp(`http://127.0.0.1:${port}/version`, 30_000, () => server.exitCode === null);

const remote = (path) => `vscode-remote://127.0.0.1:${port}${path.split('/').map(encodeURIComponent).join('/')}`;
const payload = JSON.stringify([['extensionDevelopmentPath', remote(extensionPath)]]);
const url = `http://127.0.0.1:${port}/?tkn=${token}&folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`;
console.log(`
[start] VS Code ${VSCODE_VERSION} (server) is serving the demo workspace with Process Vitals loaded from ${extensionPath}.
[start] Open this URL in a browser on this machine (forward port ${port} to use it from elsewhere):

${url}

[start] ${watch ? 'Edits rebuild automatically; then run "Developer: Reload Window".' : 'Rebuild with `npm run build`, then run "Developer: Reload Window".'} Ctrl-C stops.`);
