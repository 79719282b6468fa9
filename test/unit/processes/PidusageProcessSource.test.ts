import * as assert from 'node:assert/strict';
import { PidusageProcessSource, parseElapsed, parsePosixPsOutput } from '../../../src/monitor/processes/PidusageProcessSource';
import { SpawnedProcesses } from './SpawnedProcesses';

describe('PidusageProcessSource', () => {
  for (const [text, ms] of [['00:05', 5000], ['01:02:03', 3_723_000], ['3-00:00:01', 259_201_000], ['bad', Number.NaN]] as const) {
    it(`parses etime ${text}`, () => assert.deepEqual(parseElapsed(text), ms));
  }

  it('parses ps lines with spaces in args', () => {
    const { entries, unparsable } = parsePosixPsOutput('    1     0 10-01:00:00 /sbin/init splash\n 4242     1       00:07 node /srv/my app/x.js\nnope\n');
    assert.deepEqual(entries[1], { pid: 4242, ppid: 1, elapsedMs: 7000, command: 'node /srv/my app/x.js' });
    assert.deepEqual(unparsable, ['nope']);
  });

  it('keeps a start time stable across reads despite etime rounding', async () => {
    let clock = 1_000_000;
    let elapsed = '00:10';
    const source = new PidusageProcessSource({
      execFile: async () => `  10   1 ${elapsed} sleep 300\n`,
      pidusage: async (pids) => Object.fromEntries(pids.map((pid) => [String(pid), { ctime: 5, memory: 4096 }])),
      now: () => clock,
    });
    const first = (await source.read([10])).readings[0]!;
    clock += 1400;
    elapsed = '00:11';
    const second = (await source.read([10])).readings[0]!;
    assert.equal(second.startTime, first.startTime);
    assert.deepEqual({ cpu: second.cpuTimeMs, rss: second.rssBytes, name: second.name }, { cpu: 5, rss: 4096, name: 'sleep' });
  });

  (process.platform === 'linux' ? it : it.skip)('reads a real tree with ps and pidusage', async () => {
    const spawned = new SpawnedProcesses();
    try {
      const { message } = await spawned.node(`
        const s = require('child_process').spawn('sleep', ['300'], { stdio: 'ignore' });
        console.log(JSON.stringify({ root: process.pid, sleep: s.pid }));
        setInterval(() => {}, 1000);`);
      const source = new PidusageProcessSource();
      const { readings, warnings } = await source.read([message.root!]);
      source.dispose();
      assert.deepEqual(warnings, []);
      assert.deepEqual(readings.map((r) => [r.pid, r.ppid]), [[message.root, process.pid], [message.sleep, message.root]]);
      assert.equal(readings[1]!.command, 'sleep 300');
      assert.ok(readings[0]!.rssBytes > 1_000_000);
    } finally {
      await spawned.killAll();
    }
  });
});
