/**
 * Runs the integration suite in desktop VS Code downloaded by @vscode/test-electron: the runner for
 * machines with internet access (contributors' laptops, public CI). Offline machines use
 * runIntegration.ts (the VS Code server from code-server) instead.
 *
 *   npm run build && node out/test/harness/runElectron.js
 *
 * PV_EXTENSION_PATH overrides the extension folder (default the repository).
 * PV_VSCODE_VERSION picks the VS Code version (default the one the offline runner uses, so both
 * runners test the same VS Code; 'stable' and 'insiders' work too). Needs a display on Linux
 * (run it under xvfb-run in headless CI).
 */
import { mkdirSync, mkdtempSync, rmSync, cpSync, existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { repoRoot } from './vscodeServerScript';

const DEFAULT_VERSION = '1.100.3';

async function main(): Promise<number> {
  const version = process.env.PV_VSCODE_VERSION ?? DEFAULT_VERSION;
  const extensionPath = path.resolve(process.env.PV_EXTENSION_PATH ?? repoRoot);
  const testsEntry = path.join(repoRoot, 'out', 'test', 'integration', 'index.js');
  const main = (JSON.parse(readFileSync(path.join(extensionPath, 'package.json'), 'utf8')) as { main?: string }).main ?? '';
  if (!existsSync(testsEntry) || !existsSync(path.join(extensionPath, main))) {
    console.error(`[electron] ${path.join(extensionPath, main)} or ${testsEntry} is missing: run \`npm run build\` first`);
    return 1;
  }

  let vscodeExecutablePath: string;
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({
      version,
      cachePath: path.join(repoRoot, '.vscode-test'),
      timeout: 30_000, // idle timeout: no bytes for 30 s means the network is not there
    });
  } catch (error) {
    console.error(
      `[electron] could not download VS Code ${version} from Microsoft's update service: ${error instanceof Error ? error.message : String(error)}\n` +
        '[electron] this runner needs internet access. Offline, run the same suite in the VS Code server instead:\n' +
        '           npm run build && node out/test/harness/runIntegration.js',
    );
    return 1;
  }

  const scratch = mkdtempSync(path.join(os.tmpdir(), 'pv-electron-'));
  const workspace = path.join(scratch, 'workspace');
  const fixture = path.join(repoRoot, 'test', 'fixtures', 'workspace');
  if (existsSync(fixture)) cpSync(fixture, workspace, { recursive: true });
  else mkdirSync(workspace, { recursive: true });
  const resultsFile = path.join(repoRoot, 'test-results', 'integration-electron.json');
  rmSync(resultsFile, { force: true });
  try {
    return await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: extensionPath,
      extensionTestsPath: testsEntry,
      extensionTestsEnv: { PV_TEST_RESULTS: resultsFile, PV_TEST_WORKSPACE: workspace },
      launchArgs: [
        workspace,
        '--disable-extensions', // only the extension under development
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir', path.join(scratch, 'user'),
        '--extensions-dir', path.join(scratch, 'extensions'),
      ],
    });
  } catch (error) {
    console.error(`[electron] ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
    try {
      const summary = JSON.parse(readFileSync(resultsFile, 'utf8')) as { passes: number; failures: number };
      console.log(`[electron] ${summary.passes} passed, ${summary.failures} failed (${path.relative(repoRoot, resultsFile)})`);
    } catch {
      console.log('[electron] no results file written');
    }
  }
}

void main().then((code) => process.exit(code));
