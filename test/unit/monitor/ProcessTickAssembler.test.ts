import { strict as assert } from 'node:assert';
import { ProcessTickAssembler } from '../../../src/monitor/processes/ProcessTickAssembler';
import type { ProcessReading } from '../../../src/monitor/processes/ProcessSource';

const reading = (pid: number, over: Partial<ProcessReading> = {}): ProcessReading => ({
  pid,
  ppid: 1,
  startTime: 1_000_000,
  name: `p${pid}`,
  command: `cmd ${pid}`,
  cpuTimeMs: 0,
  rssBytes: 4096,
  ...over,
});

describe('ProcessTickAssembler', () => {
  it('reports appearance once, then samples, then exit', () => {
    const a = new ProcessTickAssembler();
    const first = a.update(2_000_000, 0, [reading(10)]);
    assert.deepEqual(first.appeared.map((p) => p.pid), [10]);
    assert.equal(first.samples.length, 1);
    const second = a.update(2_001_000, 1000, [reading(10)]);
    assert.equal(second.appeared.length, 0);
    assert.equal(second.exited.length, 0);
    const third = a.update(2_002_000, 2000, []);
    assert.deepEqual(third.exited, [{ pid: 10, startTime: 1_000_000 }]);
    assert.equal(a.size, 0);
  });

  it('treats a reused PID (new start time) as an exit plus a new process', () => {
    const a = new ProcessTickAssembler();
    a.update(2_000_000, 0, [reading(10)]);
    const delta = a.update(2_001_000, 1000, [reading(10, { startTime: 1_500_000, name: 'other' })]);
    assert.deepEqual(delta.exited, [{ pid: 10, startTime: 1_000_000 }]);
    assert.deepEqual(delta.appeared.map((p) => [p.pid, p.startTime, p.name]), [[10, 1_500_000, 'other']]);
  });

  it('derives the first CPU% from the lifetime average', () => {
    const a = new ProcessTickAssembler();
    // Started 10 s ago, used 2.5 s of CPU: 25%.
    const delta = a.update(1_010_000, 0, [reading(10, { cpuTimeMs: 2500 })]);
    assert.equal(delta.samples[0].cpuPercent, 25);
  });

  const smoothing: Array<{ name: string; ticks: Array<[number, number]>; expected: number }> = [
    // [monotonic ms, cumulative cpu ms] per tick; expected CPU% on the last tick.
    { name: '1 Hz ticks: the last interval', ticks: [[0, 0], [1000, 500], [2000, 1500]], expected: 100 },
    { name: '250 ms ticks: averaged over the last second', ticks: [[0, 0], [250, 0], [500, 250], [750, 250], [1000, 500], [1250, 500]], expected: 50 },
    { name: 'an idle process', ticks: [[0, 100], [1000, 100], [2000, 100]], expected: 0 },
    { name: 'two cores busy', ticks: [[0, 0], [1000, 2000]], expected: 200 },
    { name: 'a counter that goes backwards is clamped to zero', ticks: [[0, 500], [1000, 100]], expected: 0 },
  ];
  for (const c of smoothing) {
    it(`smooths CPU%: ${c.name}`, () => {
      const a = new ProcessTickAssembler({ cpuWindowMs: 1000 });
      let last = NaN;
      for (const [mono, cpu] of c.ticks) {
        last = a.update(1_000_000 + 10_000 + mono, mono, [reading(10, { cpuTimeMs: cpu })]).samples[0].cpuPercent;
      }
      assert.equal(last, c.expected);
    });
  }

  it('reports a changed command after exec, and keeps a known command when a read returns none', () => {
    const a = new ProcessTickAssembler();
    a.update(2_000_000, 0, [reading(10, { name: 'node', command: 'node' })]);
    const exec = a.update(2_001_000, 1000, [reading(10, { name: 'sleep', command: 'sleep 5' })]);
    assert.deepEqual(exec.changed.map((p) => p.command), ['sleep 5']);
    const blank = a.update(2_002_000, 2000, [reading(10, { name: 'sleep', command: '' })]);
    assert.equal(blank.changed.length, 0);
  });

  it('ignores a process listed twice in one read', () => {
    const a = new ProcessTickAssembler();
    const delta = a.update(2_000_000, 0, [reading(10), reading(10)]);
    assert.equal(delta.appeared.length, 1);
    assert.equal(delta.samples.length, 1);
  });
});
