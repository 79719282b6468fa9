// `npm test`: every check and test tier, in order, stopping at the first failing step, then a
// summary. The last line is always `tests: N passed, N failed` (summed over the tiers' JSON files
// in test-results/), and the exit code is non-zero when anything failed.
//
//   node scripts/test.mjs [--skip step,step] [--only step,step]
//   steps: deps typecheck lint build unit vscode integration e2e
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const results = join(root, 'test-results');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const mocha = join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');

function listArg(name) {
  const index = process.argv.indexOf(name);
  return index > 0 && process.argv[index + 1] ? new Set(process.argv[index + 1].split(',')) : undefined;
}
const only = listArg('--only');
const skip = listArg('--skip') ?? new Set();

/** Test tiers write these; the summary line sums them. */
const tierResults = { unit: 'unit.json', integration: 'integration.json', e2e: 'e2e.json' };

/** Hang guard per step (the integration and e2e runners also have their own). PV_STEP_LIMIT_MS overrides. */
const STEP_LIMIT_MS = Number(process.env.PV_STEP_LIMIT_MS ?? 15 * 60_000);

/** The process group of the step running now, so Ctrl-C and the hang guard reach all of it. */
let current;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (current) killGroup(current, 'SIGTERM');
    process.exit(130);
  });
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // gone already
  }
}

/**
 * Runs a command in its own process group with inherited output; resolves true when it exited 0.
 * After STEP_LIMIT_MS the whole group is killed (a test that leaves a child running must not hang CI).
 */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', detached: true });
    current = child;
    const timer = setTimeout(() => {
      console.error(`[test] ${command} ${args.join(' ')} still running after ${STEP_LIMIT_MS / 1000} s: killing it`);
      killGroup(child, 'SIGKILL');
    }, STEP_LIMIT_MS);
    child.on('error', (error) => console.error(`[test] ${command}: ${error.message}`));
    child.on('close', (code) => {
      clearTimeout(timer);
      killGroup(child, 'SIGKILL'); // children it left behind
      current = undefined;
      resolve(code === 0);
    });
  });
}

const steps = [
  {
    name: 'deps',
    title: 'dependencies installed',
    run: async () => existsSync(join(root, 'node_modules', '.package-lock.json')) || run(npm, ['ci', '--no-audit', '--no-fund']),
  },
  { name: 'typecheck', title: 'npm run typecheck', run: () => run(npm, ['run', '--silent', 'typecheck']) },
  { name: 'lint', title: 'npm run lint', run: () => run(npm, ['run', '--silent', 'lint']) },
  { name: 'build', title: 'build (node scripts/build.mjs)', run: () => run(process.execPath, ['scripts/build.mjs']) },
  {
    name: 'unit',
    title: 'unit tests (mocha, plain Node)',
    run: async () => {
      if (!existsSync(join(root, '.mocharc.unit.json'))) {
        console.error('[test] .mocharc.unit.json is missing');
        return false;
      }
      return run(process.execPath, [
        mocha,
        '--config', '.mocharc.unit.json',
        '--reporter', 'out/test/harness/JsonSummaryReporter.js',
        '--reporter-option', `output=${join(results, tierResults.unit)}`,
        ...(process.stdout.isTTY && !process.env.CI ? [] : ['--no-color']),
      ]);
    },
  },
  {
    name: 'vscode',
    title: 'VS Code server (code-server) and Chromium ready',
    run: () => run(process.execPath, ['scripts/vscode-server.mjs']),
  },
  {
    name: 'integration',
    title: 'integration tests (real extension host, VS Code server)',
    run: () => run(process.execPath, ['out/test/harness/runIntegration.js']),
  },
  {
    name: 'e2e',
    title: 'end-to-end (packaged .vsix in code-server, headless Chromium)',
    run: () => run(process.execPath, ['out/test/e2e/runE2E.js']),
  },
];

function readTier(file) {
  try {
    const summary = JSON.parse(readFileSync(join(results, file), 'utf8'));
    return { passes: Number(summary.passes) || 0, failures: Number(summary.failures) || 0, complete: summary.complete !== false };
  } catch {
    return undefined;
  }
}

mkdirSync(results, { recursive: true });
for (const file of Object.values(tierResults)) rmSync(join(results, file), { force: true });

const outcomes = [];
let failed = false;
for (const step of steps) {
  if ((only && !only.has(step.name)) || skip.has(step.name)) {
    outcomes.push({ step, status: 'skipped' });
    continue;
  }
  if (failed) {
    outcomes.push({ step, status: 'not run' });
    continue;
  }
  console.log(`\n[test] ── ${step.title} ──`);
  const started = Date.now();
  const ok = await step.run();
  outcomes.push({ step, status: ok ? 'passed' : 'FAILED', seconds: (Date.now() - started) / 1000 });
  if (!ok) failed = true;
}

console.log('\n[test] summary');
let passes = 0;
let failures = 0;
for (const { step, status, seconds } of outcomes) {
  const tier = tierResults[step.name] ? readTier(tierResults[step.name]) : undefined;
  if (tier) {
    passes += tier.passes;
    failures += tier.failures;
  }
  const counts = tier ? `  ${tier.passes} passed, ${tier.failures} failed${tier.complete ? '' : ' (incomplete)'}` : '';
  const time = seconds === undefined ? '' : `  ${seconds.toFixed(1)} s`;
  console.log(`  ${status.padEnd(8)} ${step.name.padEnd(12)}${time}${counts}`);
}
console.log(`tests: ${passes} passed, ${failures} failed`);
process.exit(failed || failures > 0 ? 1 : 0);
