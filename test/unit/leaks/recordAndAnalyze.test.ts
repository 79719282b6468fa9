import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AgentReport } from '../../../src/agent/agentProtocol';
import { Emitter } from '../../../src/monitor/events';
import { LeakWatch, type LeakVerdictChange } from '../../../src/monitor/leaks/LeakWatch';
import type { AgentVitals, ExitedProcess, SampleBatch, WatchedProcess } from '../../../src/monitor/Monitor';
import { Recorder } from '../../../src/monitor/recording/Recorder';
import { parseRecording, RecordingFormatError } from '../../../src/monitor/recording/recordingFormat';
import { VALID_HELLO, VALID_REPORT } from '../agent/agentFrames';

const CLI = join(__dirname, '../../../../dist/cli.js');
const T0 = 1_700_000_000_000;
const MB = 1024 * 1024;

/** A monitor whose ticks the test scripts: one watched process, optionally with an agent. */
class ScriptedMonitor {
  readonly samples = new Emitter<SampleBatch>();
  readonly exits = new Emitter<readonly ExitedProcess[]>();
  readonly onDidSample = this.samples.event;
  readonly onDidExit = this.exits.event;
  readonly interval = 1000;
  readonly info = { pid: 4242, ppid: 1, startTime: T0 - 500, name: 'node', command: 'node leaky.js' };
  agent: AgentVitals | undefined;

  get(pid: number): WatchedProcess | undefined {
    if (pid !== this.info.pid) return undefined;
    return { key: `${pid}@${this.info.startTime}`, info: this.info, latest: undefined, history: undefined as never, firstSeen: T0, agent: this.agent };
  }

  tick(t: number, rssBytes: number, report?: Partial<AgentReport>): void {
    const time = T0 + t * 1000;
    if (report) {
      const { secret: _secret, ...hello } = { ...VALID_HELLO, pid: this.info.pid };
      this.agent = { hello, latest: { ...VALID_REPORT, time, ...report }, workers: new Map(), connected: true };
    }
    this.samples.fire({ time, costMs: 0, samples: [{ pid: this.info.pid, startTime: this.info.startTime, time, cpuPercent: 1.234, rssBytes, cpuTimeMs: 10 }] });
  }
}

describe('Recorder and LeakWatch on a scripted monitor', () => {
  it('records OS samples, then agent samples, as a recording the parser reads back', () => {
    const monitor = new ScriptedMonitor();
    const lines: string[] = [];
    let closed = 0;
    const recorder = new Recorder(monitor, { pid: 4242, write: (l) => lines.push(l), close: () => closed++ });
    monitor.tick(0, 30 * MB);
    monitor.tick(1, 31 * MB, { memory: { rss: 31 * MB, heapUsed: 9 * MB, heapTotal: 12 * MB, external: MB, arrayBuffers: 1000 }, heapAfterGc: null, activeResources: { Timeout: 2 } });
    recorder.dispose();
    recorder.dispose();
    monitor.tick(2, 32 * MB);
    assert.equal(closed, 1);
    assert.equal(lines.length, 3);
    assert.ok(lines.every((l) => l.endsWith('\n')));
    const recording = parseRecording(lines.join(''));
    assert.equal(recording.header.startTime, T0);
    assert.equal(recording.header.process.pid, 4242);
    assert.deepEqual(recording.samples[0], { t: 0, cpuPercent: 1.23, rssBytes: 30 * MB });
    const agentLine = recording.samples[1]!;
    assert.equal(agentLine.t, 1);
    assert.equal(agentLine.heapUsedBytes, 9 * MB);
    assert.equal(agentLine.heapAfterGcBytes, undefined, 'absent before the first major GC');
    assert.equal(agentLine.gcMajor, VALID_REPORT.gc.major.count);
    assert.deepEqual({ ...agentLine.activeResources }, { Timeout: 2 });
    assert.equal(agentLine.gcObservedFraction, undefined, 'every GC observed: nothing to say');
  });

  it('records how much of the GCs the agent observed once it samples them', () => {
    const monitor = new ScriptedMonitor();
    const lines: string[] = [];
    const recorder = new Recorder(monitor, { pid: 4242, write: (l) => lines.push(l), close: () => {} });
    monitor.tick(0, 30 * MB, {});
    monitor.tick(1, 30 * MB, { gcSampling: { observedFraction: 0.25, intervalObserved: false } });
    recorder.dispose();
    const recording = parseRecording(lines.join(''));
    // The parser keeps no header series; the written header lists the key with its unit.
    assert.equal((JSON.parse(lines[0]!) as { series: Record<string, { unit: string }> }).series.gcObservedFraction!.unit, 'ratio');
    assert.deepEqual(recording.samples.map((s) => s.gcObservedFraction), [undefined, 0.25]);
  });

  it('LeakWatch reports a growing non-Node process through its RSS, and forgets it when it exits', () => {
    const monitor = new ScriptedMonitor();
    const watch = new LeakWatch(monitor);
    const changes: LeakVerdictChange[] = [];
    watch.onDidChangeVerdict((c) => changes.push(c));
    for (let t = 0; t <= 120; t++) monitor.tick(t, 20 * MB + t * 100_000);
    const key = `4242@${monitor.info.startTime}`;
    assert.equal(watch.verdicts(key).find((v) => v.signal === 'rss')?.state, 'leak');
    assert.deepEqual(watch.leaking().map((p) => p.pid), [4242]);
    assert.ok(changes.some((c) => c.processKey === key && c.verdict.state === 'leak'));
    monitor.exits.fire([{ info: monitor.info, exitedAt: T0 + 121_000 }]);
    assert.deepEqual(watch.verdicts(key), []);
    watch.dispose();
    monitor.tick(122, 40 * MB);
    assert.deepEqual(watch.leaking(), []);
  });

  it('rejects files that are not recordings, with the line at fault', () => {
    const bad: Array<[string, RegExp]> = [
      ['', /no header/],
      ['{"type":"sample","t":0}\n', /first line must be the header/],
      ['{"type":"header","format":"other","version":1,"startTime":0,"process":{"pid":1}}\n', /format is not/],
      ['{"type":"header","format":"process-vitals-recording","version":9,"startTime":0,"process":{"pid":1}}\n', /newer than this reader/],
      ['{"type":"header","format":"process-vitals-recording","version":1,"startTime":0,"process":{"pid":1}}\n{"type":"sample","t":2}\n{"type":"sample","t":1}\n', /line 3: t goes backwards/],
      ['{"type":"header","format":"process-vitals-recording","version":1,"startTime":0,"process":{"pid":1}}\nnot json\n', /line 2: not JSON/],
    ];
    for (const [text, message] of bad) assert.throws(() => parseRecording(text), (e: unknown) => e instanceof RecordingFormatError && message.test(e.message), text);
  });

  it('skips unknown line types and unknown fields (forward compatibility)', () => {
    const text = [
      '{"type":"header","format":"process-vitals-recording","version":1,"startTime":5,"process":{"pid":1},"future":true}',
      '{"type":"marker","t":0,"label":"deploy"}',
      '{"type":"sample","t":0,"rssBytes":5,"newSeries":3,"activeResources":{"__proto__":1,"Timeout":"x","TCPWRAP":2}}',
    ].join('\n');
    const { samples } = parseRecording(text);
    assert.equal(samples.length, 1);
    assert.equal((samples[0] as unknown as Record<string, unknown>).newSeries, undefined);
    // Hostile keys stay plain data on a prototype-less object; non-numbers are dropped.
    assert.deepEqual(Object.entries(samples[0]!.activeResources!), [['__proto__', 1], ['TCPWRAP', 2]]);
    assert.equal(Object.getPrototypeOf(samples[0]!.activeResources!), null);
    assert.equal(({} as Record<string, unknown>).TCPWRAP, undefined);
  });
});

function runCli(args: string[], cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('process-vitals watch --record and analyze', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pv-record-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('records a Node program with agent samples, stops it at --duration, and analyze replays it', async () => {
    const program = join(dir, 'grow.js');
    writeFileSync(program, 'const kept = []; setInterval(() => kept.push("x".repeat(50000) + kept.length), 100);');
    const out = join(dir, 'trace.ndjson');
    const watched = await runCli(['watch', '--record', out, '--duration', '4', '--', process.execPath, program]);
    assert.equal(watched.code, 0, watched.stderr);
    const recording = parseRecording(readFileSync(out, 'utf8'));
    assert.ok(recording.samples.length >= 3, `${recording.samples.length} samples`);
    assert.ok(recording.samples.some((s) => s.heapUsedBytes !== undefined && s.gcMinor !== undefined), 'no agent sample: was the agent injected?');
    assert.ok(recording.samples.every((s) => s.rssBytes !== undefined));

    const analyzed = await runCli(['analyze', out, '--json']);
    assert.equal(analyzed.code, 0, analyzed.stderr); // 4 s is too short for any verdict but 'warming-up'
    const lines = analyzed.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.at(-1), { type: 'summary', leak: false, firstLeakT: null, final: lines.at(-1).final });

    // A gzip-compressed copy reads the same.
    writeFileSync(`${out}.gz`, gzipSync(readFileSync(out)));
    const gz = await runCli(['analyze', `${out}.gz`, '--json']);
    assert.equal(gz.stdout, analyzed.stdout);
  });

  it('analyze exits 3 on a leaking recording and 1 on a file that is not one', async () => {
    const lines = ['{"type":"header","format":"process-vitals-recording","version":1,"startTime":0,"process":{"pid":7}}'];
    for (let t = 0; t <= 150; t++) lines.push(JSON.stringify({ type: 'sample', t, rssBytes: 10 * MB + t * 200_000 }));
    const leaking = join(dir, 'leak.ndjson');
    writeFileSync(leaking, lines.join('\n'));
    const found = await runCli(['analyze', leaking]);
    assert.equal(found.code, 3);
    assert.match(found.stdout, /Leak found/);
    assert.match(found.stdout, /rss\s+leak/);
    const notOne = join(dir, 'x.ndjson');
    writeFileSync(notOne, 'hello\n');
    const bad = await runCli(['analyze', notOne]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not a recording: line 1: not JSON/);
  });
});
