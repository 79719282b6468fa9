/**
 * Diagnose Leaks on real programs: each fixture leaks in one shape (or not at all), runs with the
 * real agent, and the diagnosis must name the leaking constructor and the allocating line, the
 * creation line of leaked handles, the external growth, and find nothing on the healthy program.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { transformSync } from 'esbuild';
import { join } from 'node:path';
import { assertAgentBuilt } from '../agent/agentPrograms';
import { LeakDiagnosis, DiagnosisCancelledError, DiagnosisRefusedError, type DiagnosisProgress } from '../../../src/monitor/diagnosis/LeakDiagnosis';
import type { DiagnosisReport } from '../../../src/monitor/diagnosis/DiagnosisReport';
import { renderDiagnosisMarkdown } from '../../../src/monitor/diagnosis/renderDiagnosisMarkdown';
import { DIAGNOSIS_WORKER, DiagnosisLab, FIXTURES, markedLines } from './diagnosisPrograms';

const OBSERVE_SECONDS = 2;

describe('LeakDiagnosis on real programs', function () {
  this.timeout(120_000);
  let lab: DiagnosisLab;

  before(async () => {
    assertAgentBuilt();
    assert.ok(existsSync(DIAGNOSIS_WORKER), `${DIAGNOSIS_WORKER} is missing: run node scripts/build.mjs first`);
    lab = await DiagnosisLab.start();
  });
  after(() => lab?.dispose());

  function diagnosis(keepDiagnoses = 10): LeakDiagnosis {
    return new LeakDiagnosis({ storageDir: join(lab.scratch, 'storage'), agents: lab.server, workerScript: DIAGNOSIS_WORKER, keepDiagnoses });
  }

  async function diagnose(fixture: string): Promise<{ report: DiagnosisReport; file: string }> {
    const program = await lab.run(fixture);
    const report = await diagnosis().run({ pid: program.pid, name: fixture }, { observeSeconds: OBSERVE_SECONDS });
    assert.ok(program.alive(), 'the diagnosed program must keep running');
    program.child.kill('SIGKILL');
    return { report, file: program.file };
  }

  function assertTopUserSiteIn(report: DiagnosisReport, file: string): void {
    const expected = markedLines(file, '@alloc');
    const site = report.allocations?.sites.find((s) => s.origin === 'user');
    assert.ok(site?.location, `no user allocation site in ${JSON.stringify(report.allocations?.sites.slice(0, 5))}`);
    assert.equal(site.location.file, file);
    assert.ok(expected.includes(site.location.line), `top allocation site ${site.location.line} is not one of the marked lines ${expected.join(', ')}`);
  }

  const heapLeaks: ReadonlyArray<[fixture: string, constructor: string]> = [
    ['array-leak.js', 'RequestRecord'],
    ['map-leak.js', 'Session'],
    ['listener-leak.js', 'RequestState'],
  ];
  for (const [fixture, constructorName] of heapLeaks) {
    it(`names ${constructorName} and its allocating line for ${fixture}`, async () => {
      const { report, file } = await diagnose(fixture);
      assert.equal(report.verdict.outcome, 'leak', renderDiagnosisMarkdown(report));
      assert.ok(report.verdict.kinds.includes('heap'));
      const suspects = report.heapDiff!.groups.filter((g) => g.suspect).map((g) => g.name);
      assert.ok(suspects.includes(constructorName), `suspects: ${suspects.join(', ')}\n${renderDiagnosisMarkdown(report)}`);
      const group = report.heapDiff!.groups.find((g) => g.name === constructorName)!;
      assert.ok(group.retainerPaths.length > 0, 'the group has a retainer path');
      assert.equal(group.retainerPaths[0].nodes.at(-1)!.name, constructorName);
      assertTopUserSiteIn(report, file);
      assert.equal(report.files.filter((f) => f.kind.endsWith('Snapshot') && f.bytes > 0).length, 3);
    });
  }

  it('maps the allocating line back to TypeScript through an inline source map', async () => {
    const source = join(FIXTURES, 'typed-leak.ts');
    const compiled = transformSync(readFileSync(source, 'utf8'), { loader: 'ts', format: 'cjs', sourcemap: 'inline', sourcefile: source });
    const script = join(lab.scratch, 'typed-leak.js');
    writeFileSync(script, compiled.code);
    const program = await lab.run(script);
    const report = await diagnosis().run({ pid: program.pid }, { observeSeconds: OBSERVE_SECONDS });
    program.child.kill('SIGKILL');
    assert.equal(report.verdict.outcome, 'leak');
    const site = report.allocations?.sites.find((s) => s.origin === 'user');
    assert.ok(site?.location && site.generatedLocation, JSON.stringify(report.allocations?.sites.slice(0, 3)));
    assert.equal(site.location.file, source);
    assert.equal(site.generatedLocation.file, script);
    assert.ok(markedLines(source, '@alloc').includes(site.location.line), `${site.location.line} is not a marked line`);
  });

  it('names the creation line of leaked timers', async () => {
    const { report, file } = await diagnose('timer-leak.js');
    assert.equal(report.verdict.outcome, 'leak');
    assert.ok(report.handles!.growingTypes.includes('Timeout'), `growing: ${report.handles!.growingTypes.join(', ')}`);
    const timers = report.handles!.groups.find((g) => g.type === 'Timeout' && g.createdAt?.file === file);
    assert.ok(timers, JSON.stringify(report.handles!.groups.slice(0, 3)));
    assert.deepEqual([timers.createdAt!.line], markedLines(file, '@timer'));
    assert.equal(timers.timerRepeats, true);
    assert.ok(timers.count >= 5);
  });

  it('names the creation line of leaked sockets', async () => {
    const { report, file } = await diagnose('socket-leak.js');
    assert.equal(report.verdict.outcome, 'leak');
    assert.ok(report.handles!.growingTypes.includes('TCPSocketWrap'), `growing: ${report.handles!.growingTypes.join(', ')}`);
    const sockets = report.handles!.groups.find((g) => g.type === 'TCPWRAP' && g.createdAt?.file === file);
    assert.ok(sockets, JSON.stringify(report.handles!.groups.slice(0, 3)));
    assert.deepEqual([sockets.createdAt!.line], markedLines(file, '@socket'));
  });

  it('reports external growth for a Buffer leak', async () => {
    const { report } = await diagnose('buffer-leak.js');
    assert.equal(report.verdict.outcome, 'leak');
    assert.ok(report.verdict.kinds.includes('external'), report.verdict.kinds.join(', '));
    const external = report.memoryGrowth.find((g) => g.what === 'external')!;
    assert.ok(external.growing);
    assert.ok(external.finalBytes > external.baselineBytes);
  });

  it('finds nothing on a healthy program', async () => {
    const { report } = await diagnose('healthy.js');
    assert.equal(report.verdict.outcome, 'no-leak', renderDiagnosisMarkdown(report));
    assert.deepEqual(report.heapDiff!.groups.filter((g) => g.suspect), []);
    assert.deepEqual(report.handles!.growingTypes, []);
  });

  for (const cancelAt of ['baseline', 'profile', 'observe', 'analyze'] as const) {
    it(`cancelled at step "${cancelAt}", leaves the program running and removes its files`, async () => {
      const program = await lab.run('array-leak.js', 300);
      const controller = new AbortController();
      const storage = join(lab.scratch, `cancel-${cancelAt}`);
      const steps: string[] = [];
      const run = new LeakDiagnosis({ storageDir: storage, agents: lab.server, workerScript: DIAGNOSIS_WORKER }).run(
        { pid: program.pid },
        {
          observeSeconds: OBSERVE_SECONDS,
          signal: controller.signal,
          onProgress: (p: DiagnosisProgress) => {
            steps.push(p.step);
            if (p.step === cancelAt) controller.abort();
          },
        },
      );
      await assert.rejects(run, DiagnosisCancelledError);
      assert.ok(steps.includes(cancelAt), `steps: ${steps.join(', ')}`);
      assert.ok(program.alive(), 'the program must keep running');
      // A request still running in the agent may write its file after the cancel: wait until it is removed again.
      await waitFor(() => readdirSync(storage).length === 0, () => `left behind: ${readdirSync(storage).join(', ')}`);
      // Handle tracking was turned off again (the agent reports tracking: false).
      await waitFor(async () => !(await lab.server.reportHandles(program.pid)).tracking, () => 'handle tracking is still on');
      program.child.kill('SIGKILL');
    });
  }

  it('refuses before the first snapshot when memory is short, and writes nothing', async () => {
    const program = await lab.run('healthy.js', 0);
    const storage = join(lab.scratch, 'refused');
    const short = new LeakDiagnosis({ storageDir: storage, agents: lab.server, workerScript: DIAGNOSIS_WORKER, availableMemory: () => 64 * 1024 });
    assert.equal(short.estimate(program.pid, 10)?.safe, false);
    await assert.rejects(short.run({ pid: program.pid }, { observeSeconds: 1 }), (e: unknown) => e instanceof DiagnosisRefusedError && /Not enough free memory/.test(e.message));
    assert.ok(!existsSync(storage) || readdirSync(storage).length === 0);
    assert.equal((await lab.server.reportHandles(program.pid)).tracking, false, 'tracking was never turned on');
    program.child.kill('SIGKILL');
  });

  it('keeps only the configured number of diagnoses', async () => {
    const program = await lab.run('healthy.js', 200);
    const storage = join(lab.scratch, 'keep');
    const keep2 = new LeakDiagnosis({ storageDir: storage, agents: lab.server, workerScript: DIAGNOSIS_WORKER, keepDiagnoses: 2 });
    for (let i = 0; i < 3; i++) await keep2.run({ pid: program.pid }, { observeSeconds: 1, trackHandles: false });
    assert.equal(keep2.stored().length, 2);
    program.child.kill('SIGKILL');
  });
});

/** Polls a condition until it holds (a hang guard of 30 s, not a performance limit). */
async function waitFor(condition: () => boolean | Promise<boolean>, describe: () => string): Promise<void> {
  const giveUp = Date.now() + 30_000;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > giveUp) assert.fail(describe());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
