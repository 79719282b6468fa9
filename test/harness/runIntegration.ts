/**
 * Runs the integration suite (out/test/integration/index.js) inside a real VS Code extension host:
 * VS Code's server from the code-server npm package, with the workbench open in headless Chromium.
 * This is the runner that works offline; test:integration:electron (runElectron.ts) is the one for
 * machines that can download desktop VS Code.
 *
 *   npm run build && node out/test/harness/runIntegration.js
 *
 * Environment: PV_EXTENSION_PATH (extension folder, default the repository), PV_TEST_GREP (mocha
 * grep), PV_TIME_LIMIT_MS (whole run, default 10 min), PV_KEEP_SCRATCH=1 (keep HOME, workspace and
 * logs of the run). Writes test-results/integration.json (the reporter) and
 * test-results/logs/integration-*.log (server and browser output). Exit code 0 when all tests passed.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { ScratchDir } from './ScratchDir';
import { ServerProcess, cleanEnv, killTaggedProcesses, tagRun } from './ServerProcess';
import { WorkbenchBrowser } from './WorkbenchBrowser';
import { EXTENSION_HOST_MARK } from './extensionHostConsole';
import { loadVsCodeServerScript, repoRoot } from './vscodeServerScript';

const DEFAULT_TIME_LIMIT_MS = 10 * 60_000;

/** Resources of one run, released by {@link cleanUp} whatever happens. */
interface RunResources {
  server?: ServerProcess;
  browser?: WorkbenchBrowser;
  scratch?: ScratchDir;
}

async function cleanUp(resources: RunResources): Promise<void> {
  await resources.browser?.close();
  await resources.server?.stop();
  const stragglers = killTaggedProcesses();
  if (stragglers) console.log(`[integration] killed ${stragglers} leftover process(es) of this run`);
  resources.scratch?.dispose();
}

/** The `vscode-remote://` URI of a local path as the workbench sees it through the server. */
function remoteUri(port: number, fsPath: string): string {
  return `vscode-remote://127.0.0.1:${port}${fsPath.split(path.sep).map(encodeURIComponent).join('/')}`;
}

async function runSuite(resources: RunResources): Promise<number> {
  const vs = await loadVsCodeServerScript();
  vs.ensureVsCodeServer({ log: (line) => console.log(line) });

  const extensionPath = path.resolve(process.env.PV_EXTENSION_PATH ?? repoRoot);
  const manifest = JSON.parse(readFileSync(path.join(extensionPath, 'package.json'), 'utf8')) as { main?: string };
  const main = manifest.main ? path.join(extensionPath, manifest.main) : undefined;
  const testsEntry = path.join(repoRoot, 'out', 'test', 'integration', 'index.js');
  for (const [what, file] of [
    ['extension bundle', main],
    ['integration suite', testsEntry],
  ] as const) {
    if (!file || !existsSync(file)) throw new Error(`${what} ${file ?? '(package.json has no main)'} is missing: run \`npm run build\` first`);
  }

  const resultsDir = path.join(repoRoot, 'test-results');
  const logsDir = path.join(resultsDir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const resultsFile = path.join(resultsDir, 'integration.json');
  rmSync(resultsFile, { force: true });

  const scratch = (resources.scratch = new ScratchDir('integration'));
  const workspace = scratch.workspace(path.join(repoRoot, 'test', 'fixtures', 'workspace'));
  const serverData = scratch.dir('server');
  // Clean settings both as remote "Machine" settings and as user settings.
  scratch.writeJson('server/data/Machine/settings.json', vs.cleanUserSettings);
  scratch.writeJson('user/User/settings.json', vs.cleanUserSettings); // code-server's VS Code reads user settings here

  const port = await vs.freePort();
  const serverLog = path.join(logsDir, 'integration-server.log');
  rmSync(serverLog, { force: true });
  const server = (resources.server = new ServerProcess(
    'VS Code server',
    process.execPath,
    [
      vs.serverMainPath(),
      '--host', '127.0.0.1',
      '--port', String(port),
      '--without-connection-token',
      '--accept-server-license-terms',
      '--enable-smoke-test-driver',
      '--disable-telemetry',
      '--disable-workspace-trust',
      '--server-data-dir', serverData,
      '--user-data-dir', scratch.dir('user'),
      '--extensions-dir', scratch.dir('extensions'),
      '--default-folder', workspace,
    ],
    {
      cwd: workspace,
      logFile: serverLog,
      env: cleanEnv({
        HOME: scratch.dir('home'),
        TMPDIR: scratch.dir('tmp'),
        PV_TEST_RESULTS: resultsFile,
        PV_TEST_WORKSPACE: workspace,
        PV_MARK_EXTENSION_HOST_CONSOLE: '1',
      }),
    },
  ));
  const base = `http://127.0.0.1:${port}`;
  await vs.waitForHttp(`${base}/version`, 30_000, () => server.alive);

  const browserLog = path.join(logsDir, 'integration-browser.log');
  rmSync(browserLog, { force: true });
  const browser = (resources.browser = await WorkbenchBrowser.launch({
    executablePath: vs.chromiumPath,
    args: vs.chromiumArgs,
    userDataDir: scratch.dir('browser'),
    logFile: browserLog,
    onConsole: (level, text) => {
      // Marked lines are the extension host's console (test output); errors naming the extension
      // (activation failures) come from the workbench itself.
      if (text.startsWith(EXTENSION_HOST_MARK)) console.log(text.slice(EXTENSION_HOST_MARK.length));
      else if (level === 'ERR' && /process-?vitals/i.test(text)) console.log(`[workbench] ${text}`);
    },
  }));

  const exitCode = new Promise<number>((resolve) => {
    void browser.page.exposeFunction('codeAutomationExit', (code: number) => resolve(Number(code)));
  });
  const serverDied = new Promise<never>((_, reject) => {
    const timer = setInterval(() => {
      if (!server.alive) {
        clearInterval(timer);
        reject(new Error(`the VS Code server exited (${server.exitStatus}); see ${serverLog}`));
      }
    }, 500);
    timer.unref();
  });
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remoteUri(port, extensionPath)],
    ['extensionTestsPath', remoteUri(port, testsEntry)],
  ]);
  const url = `${base}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`;
  console.log(`[integration] VS Code ${vs.VSCODE_VERSION} server on ${base}, extension ${extensionPath}`);
  await browser.page.goto(url);
  const code = await Promise.race([exitCode, serverDied]);
  await browser.flushConsole();
  return code;
}

/** The JSON summary the reporter wrote, if any. */
function readSummary(): { passes: number; failures: number; complete: boolean; running?: string } | undefined {
  try {
    return JSON.parse(readFileSync(path.join(repoRoot, 'test-results', 'integration.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  tagRun();
  const resources: RunResources = {};
  const started = Date.now();
  const limitMs = Number(process.env.PV_TIME_LIMIT_MS ?? DEFAULT_TIME_LIMIT_MS);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`[integration] ${signal}: stopping`);
    void cleanUp(resources).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let code: number;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeLimit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`time limit of ${limitMs / 1000} s reached`)), limitMs);
    });
    code = await Promise.race([runSuite(resources), timeLimit]);
  } catch (error) {
    const running = readSummary()?.running;
    console.error(`[integration] ${error instanceof Error ? error.message : String(error)}${running ? ` (while running: ${running})` : ''}`);
    code = 1;
  } finally {
    clearTimeout(timer);
    await cleanUp(resources);
  }
  const summary = readSummary();
  if (code === 0 && !summary?.complete) {
    console.error('[integration] the suite reported success but wrote no complete summary');
    code = 1;
  }
  console.log(
    `[integration] ${summary ? `${summary.passes} passed, ${summary.failures} failed` : 'no results'} ` +
      `in ${((Date.now() - started) / 1000).toFixed(1)} s; exit ${code}`,
  );
  process.exit(code);
}

void main();
