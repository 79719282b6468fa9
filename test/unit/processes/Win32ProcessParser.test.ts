import * as assert from 'node:assert/strict';
import { parseCreationDate, parseWin32ProcessJson } from '../../../src/monitor/processes/Win32ProcessParser';
import { WindowsProcessSource } from '../../../src/monitor/processes/WindowsProcessSource';
import { FakePowerShell } from './FakePowerShell';
import { readRecordedFixture } from './recordedFixtures';

describe('Win32_Process JSON', () => {
  const { readings, skipped, error } = parseWin32ProcessJson(readRecordedFixture('windows-win32process.json'));
  const byPid = new Map(readings.map((r) => [r.pid, r]));

  const expected = [
    { pid: 0, ppid: 0, name: 'System Idle Process', command: '', startTime: 0 },
    { pid: 4, ppid: 0, name: 'System', startTime: 1763366471512, rssBytes: 143360 },
    { pid: 9120, name: 'Code.exe', command: '"C:\\Users\\José\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe" ', cpuTimeMs: 65781.25 },
    { pid: 11012, ppid: 10440, name: 'node.exe', command: '"C:\\Program Files\\nodejs\\node.exe" server.js --port 3000', rssBytes: 61845504, cpuTimeMs: 546.875 },
    { pid: 11200, command: 'C:\\Windows\\system32\\cmd.exe /d /s /c "npm run build"' },
  ];
  for (const e of expected) {
    it(`parses pid ${e.pid}`, () => {
      const r = byPid.get(e.pid)!;
      for (const [key, value] of Object.entries(e)) assert.deepEqual(r[key as keyof typeof r], value, key);
    });
  }

  it('skips malformed entries and reports no error', () => {
    assert.equal(readings.length, 9);
    assert.equal(skipped, 1);
    assert.equal(error, undefined);
  });

  it('accepts a lone object with string numbers and a /Date()/ creation date (Windows PowerShell 5.1 forms)', () => {
    const single = parseWin32ProcessJson(readRecordedFixture('windows-win32process-date-forms.json'));
    assert.deepEqual(single.readings, [
      { pid: 7000, ppid: 600, startTime: 1700000000123, name: 'svchost.exe', command: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p', cpuTimeMs: 30, rssBytes: 20971520 },
    ]);
  });

  for (const [value, ms] of [
    [1700000000123, 1700000000123],
    ['/Date(1700000000123)/', 1700000000123],
    ['20231114222000.123456+060', Date.UTC(2023, 10, 14, 21, 20, 0, 123)],
    ['20231114222000.000000-300', Date.UTC(2023, 10, 15, 3, 20, 0, 0)],
    ['2023-11-14T22:13:20.123Z', 1700000000123],
  ] as const) {
    it(`parses CreationDate ${JSON.stringify(value)}`, () => assert.equal(parseCreationDate(value), ms));
  }

  it('reports PowerShell errors and non-JSON text', () => {
    assert.equal(parseWin32ProcessJson('{"error":"Access is denied."}').error, 'Access is denied.');
    assert.match(parseWin32ProcessJson('oops').error!, /not JSON/);
    assert.equal(parseWin32ProcessJson('WARNING: something\r\n[{"ProcessId":1,"ParentProcessId":0}]').readings.length, 1);
  });

  it('WindowsProcessSource answers a read from the helper and selects the tree', async () => {
    const fake = new FakePowerShell(() => readRecordedFixture('windows-win32process.json'));
    const source = new WindowsProcessSource({ powerShell: { spawn: () => fake.start() } });
    const { readings: tree, warnings } = await source.read([10440]);
    assert.deepEqual(tree.map((r) => r.pid), [10440, 11012, 11020, 11200]);
    assert.deepEqual(warnings.map((w) => w.code), ['unparsable']);
    source.dispose();
    assert.equal(fake.killed, 1);
  });
});
