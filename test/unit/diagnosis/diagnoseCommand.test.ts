import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDiagnoseArguments, DiagnoseUsageError } from '../../../src/cli/diagnoseCommand';
import type { DiagnosisReport } from '../../../src/monitor/diagnosis/DiagnosisReport';
import { FIXTURES } from './diagnosisPrograms';

const CLI = join(__dirname, '../../../../dist/cli.js');

describe('process-vitals diagnose arguments', () => {
  const good: ReadonlyArray<[string[], object | 'help']> = [
    [['--pid', '42'], { pid: 42, seconds: 20, warmupSeconds: 5, outDir: '.process-vitals', keep: 3, trackHandlesFromStart: false }],
    [['--seconds', '5', '--out', 'r', '--', 'node', 'app.js', '--seconds', '9'], { command: ['node', 'app.js', '--seconds', '9'], seconds: 5, warmupSeconds: 5, outDir: 'r', keep: 3, trackHandlesFromStart: false }],
    [['--warmup', '0', '--keep', '1', '--track-handles-from-start', '--', 'npm', 'start'], { command: ['npm', 'start'], seconds: 20, warmupSeconds: 0, outDir: '.process-vitals', keep: 1, trackHandlesFromStart: true }],
    [['--help'], 'help'],
  ];
  for (const [args, expected] of good) {
    it(`parses ${args.join(' ')}`, () => assert.deepEqual(parseDiagnoseArguments(args), expected));
  }
  const bad: ReadonlyArray<[string[], RegExp]> = [
    [[], /either --pid/],
    [['--pid', '1', '--', 'node'], /either --pid/],
    [['--pid', 'x'], /whole number/],
    [['--seconds', '0', '--pid', '3'], /from 1 to 300/],
    [['--'], /nothing to run/],
    [['--pid', '3', '--track-handles-from-start'], /needs a command/],
    [['--frobnicate'], /unknown option/],
    [['--out'], /needs a value/],
  ];
  for (const [args, message] of bad) {
    it(`refuses ${args.join(' ') || '(nothing)'}`, () => assert.throws(() => parseDiagnoseArguments(args), (e: unknown) => e instanceof DiagnoseUsageError && message.test(e.message)));
  }
});

describe('process-vitals diagnose, end to end', function () {
  this.timeout(120_000);
  let out: string;
  beforeEach(() => {
    out = mkdtempSync(join(tmpdir(), 'pv-cli-diagnose-'));
  });
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const env = { ...process.env };
      delete env.NODE_OPTIONS;
      const child = spawn(process.execPath, [CLI, 'diagnose', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('runs a leaking command with the agent, writes report.md and report.json, and exits 3', async () => {
    const result = await run(['--seconds', '2', '--warmup', '1', '--out', out, '--', process.execPath, join(FIXTURES, 'map-leak.js')]);
    assert.equal(result.code, 3, result.stderr);
    const summary = JSON.parse(result.stdout.trim()) as { outcome: string; report: string };
    assert.equal(summary.outcome, 'leak');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as DiagnosisReport;
    assert.equal(report.mode, 'agent');
    assert.ok(report.heapDiff!.groups.some((g) => g.suspect && g.name === 'Session'));
    assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /^# Leak diagnosis/);
    assert.ok(existsSync(join(report.folder, 'final.heapsnapshot')));
  });

  it('exits 0 on a healthy command', async () => {
    const result = await run(['--seconds', '2', '--warmup', '1', '--out', out, '--', process.execPath, join(FIXTURES, 'healthy.js')]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout.trim()) as { outcome: string }).outcome, 'no-leak');
  });

  it('diagnoses a process by PID from the outside: RSS and memory maps', async () => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const target = spawn(process.execPath, [join(FIXTURES, 'buffer-leak.js')], { env, stdio: 'ignore' });
    try {
      const result = await run(['--pid', String(target.pid), '--seconds', '2', '--out', out]);
      assert.equal(result.code, 3, result.stderr);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as DiagnosisReport;
      assert.equal(report.mode, 'os');
      assert.deepEqual(report.verdict.kinds, ['rss']);
      assert.ok(report.osMemory!.rss!.ratePerSecond > 0);
      if (process.platform === 'linux') assert.ok(report.osMemory!.after!.anonymousBytes > report.osMemory!.before!.anonymousBytes);
      assert.ok(target.exitCode === null, 'the diagnosed process keeps running');
    } finally {
      target.kill('SIGKILL');
    }
  });

  it('exits 2 on a usage error', async () => {
    const result = await run(['--seconds']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--seconds needs a value/);
  });
});
