import * as assert from 'node:assert/strict';
import { MacProcessSource } from '../../../src/monitor/processes/MacProcessSource';
import { MAC_PS_ARGS, parseMacPsOutput, parsePsCpuTime } from '../../../src/monitor/processes/PsOutputParser';
import { readRecordedFixture } from './recordedFixtures';

const local = (y: number, mo: number, d: number, h: number, mi: number, s: number) => new Date(y, mo - 1, d, h, mi, s).getTime();

describe('macOS ps output', () => {
  const { readings, unparsable } = parseMacPsOutput(readRecordedFixture('macos-ps-axww.txt'));
  const byPid = new Map(readings.map((r) => [r.pid, r]));

  const expected = [
    { pid: 1, ppid: 0, name: 'launchd', command: '/sbin/launchd', cpuTimeMs: 552_340, rssBytes: 13456 * 1024, startTime: local(2025, 11, 17, 8, 1, 12) },
    { pid: 714, ppid: 701, name: 'Code Helper (GPU', cpuTimeMs: 760_020, rssBytes: 186240 * 1024 },
    { pid: 720, ppid: 701, name: 'Code Helper (Ren', cpuTimeMs: 74_096_780 },
    { pid: 1851, ppid: 1850, name: 'node', command: '/usr/local/bin/node /Users/ana/src/my app/worker.js' },
    { pid: 1860, ppid: 1850, name: 'sh', command: '<defunct>', rssBytes: 0, cpuTimeMs: 0 },
    { pid: 1870, name: 'echo', command: 'echo Mon Nov 17 08:01:12 2025 is not a start time', startTime: local(2025, 11, 3, 7, 5, 9) },
    { pid: 1871, name: 'launchctl', command: '' },
    { pid: 2001, cpuTimeMs: (2 * 86400 + 3723) * 1000, startTime: local(2025, 11, 1, 0, 0, 0) },
  ];
  for (const e of expected) {
    it(`parses pid ${e.pid} (${e.name ?? ''})`, () => {
      const r = byPid.get(e.pid);
      assert.ok(r, `pid ${e.pid} parsed`);
      for (const [key, value] of Object.entries(e)) assert.deepEqual(r[key as keyof typeof r], value, key);
    });
  }

  it('keeps long arguments whole and reports garbage lines', () => {
    assert.match(byPid.get(720)!.command, /--vscode-window-config=vscode:fb8b8c67-f6a8-4a07-8b59-4b5e5f4c2f9e$/);
    assert.match(byPid.get(714)!.command, /^\/Applications\/Visual Studio Code\.app\/.*Code Helper \(GPU\) --type=gpu-process/);
    assert.equal(readings.length, 13);
    assert.deepEqual(unparsable, ['this line is garbage']);
  });

  for (const [text, ms] of [['0:00.04', 40], ['12:34.56', 754_560], ['1:02:03.45', 3_723_450], ['2-01:02:03', 176_523_000], ['x', Number.NaN]] as const) {
    it(`parses cpu time ${text}`, () => assert.deepEqual(parsePsCpuTime(text), ms));
  }

  it('MacProcessSource runs ps once in the C locale and selects the watched tree', async () => {
    const calls: Array<{ file: string; args: readonly string[]; lcAll: string | undefined }> = [];
    const source = new MacProcessSource({
      execFile: async (file, args, options) => {
        calls.push({ file, args, lcAll: options?.env?.LC_ALL });
        return readRecordedFixture('macos-ps-axww.txt');
      },
    });
    const { readings: tree, warnings } = await source.read([1802]);
    assert.deepEqual(tree.map((r) => r.pid), [1802, 1850, 1870, 1871, 1851, 1860]);
    assert.deepEqual(calls, [{ file: '/bin/ps', args: MAC_PS_ARGS, lcAll: 'C' }]);
    assert.deepEqual(warnings.map((w) => w.code), ['unparsable']);
  });

  it('MacProcessSource turns a failed ps into a warning', async () => {
    const source = new MacProcessSource({ execFile: () => Promise.reject(new Error('spawn EAGAIN')) });
    const result = await source.read([1]);
    assert.deepEqual(result.readings, []);
    assert.equal(result.warnings[0]!.code, 'command-failed');
  });
});
