import { strict as assert } from 'node:assert';
import { SampleHistory } from '../../../src/monitor/series/SampleHistory';
import { buildCsv, buildRecording, exportFileName } from '../../../src/extension/dashboard/dashboardExport';
import { RECORDING_FORMAT, RECORDING_VERSION } from '../../../src/monitor/recording/recordingFormat';
import type { DashboardProcess } from '../../../src/extension/dashboard/dashboardData';

const T0 = Date.UTC(2025, 0, 31, 10, 0, 0);

function processWith(pid: number, name: string, rows: Record<string, number>[]): DashboardProcess {
  const keys = ['cpuPercent', 'rssBytes', 'heapUsedBytes'];
  const history = new SampleHistory<string>(keys, { recentCapacity: 100, archiveStepMs: 30_000, archiveCapacity: 10 });
  rows.forEach((values, i) => history.append(T0 + i * 1000, values));
  return { key: `${pid}@${T0}`, info: { pid, ppid: 1, startTime: T0 - 5000, name, command: `node ${name}, "x".js`, cwd: '/w' }, history };
}

describe('buildCsv', () => {
  it('writes one row per process and sample with unit headers, hides hidden and empty series, escapes fields', () => {
    const a = processWith(7, 'a,b', [{ cpuPercent: 1.5, rssBytes: 100 }, { cpuPercent: 2, rssBytes: 200 }]);
    const b = processWith(3, 'c', [{ cpuPercent: 3, rssBytes: 300 }]);
    const csv = buildCsv({ processes: [a, b], hiddenSeries: [], range: '5m', now: T0 + 2000 });
    assert.deepEqual(csv.trimEnd().split('\r\n'), [
      'time,t_seconds,pid,process,cpuPercent (percent),rssBytes (bytes)',
      '2025-01-31T10:00:00.000Z,0.000,3,c,3,300',
      '2025-01-31T10:00:00.000Z,0.000,7,"a,b",1.5,100',
      '2025-01-31T10:00:01.000Z,1.000,7,"a,b",2,200',
    ]);
    const hidden = buildCsv({ processes: [a], hiddenSeries: ['rssBytes'], range: '5m', now: T0 + 2000 });
    assert.equal(hidden.split('\r\n')[0], 'time,t_seconds,pid,process,cpuPercent (percent)');
  });

  it('covers only the range', () => {
    const a = processWith(7, 'a', Array.from({ length: 90 }, (_, i) => ({ cpuPercent: i, rssBytes: i })));
    const csv = buildCsv({ processes: [a], hiddenSeries: [], range: '1m', now: T0 + 89_000 });
    assert.equal(csv.trimEnd().split('\r\n').length, 1 + 61);
  });
});

describe('buildRecording', () => {
  it('writes a self-describing header, then samples with t in seconds and only present fields', () => {
    const p = processWith(42, 'leaky', [{ cpuPercent: 1, rssBytes: 10 }, { cpuPercent: 2, rssBytes: 20, heapUsedBytes: 5 }]);
    const lines = buildRecording({ process: p, origin: 'Terminal: dev', range: 'session', now: T0 + 1000, intervalMs: 1000, recorder: 'test', recorderVersion: '0.1.0', platform: 'linux-x64' })
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const header = lines[0];
    assert.equal(header.type, 'header');
    assert.equal(header.format, RECORDING_FORMAT);
    assert.equal(header.version, RECORDING_VERSION);
    assert.equal(header.startTime, T0);
    assert.deepEqual(header.process, { pid: 42, ppid: 1, name: 'leaky', command: 'node leaky, "x".js', startTime: T0 - 5000, cwd: '/w', origin: 'Terminal: dev', agent: false });
    assert.deepEqual(header.series.rssBytes, { unit: 'bytes', label: 'Memory (RSS)', source: 'os' });
    assert.equal(header.series.heapUsedBytes.source, 'agent');
    assert.deepEqual(lines.slice(1), [
      { type: 'sample', t: 0, cpuPercent: 1, rssBytes: 10 },
      { type: 'sample', t: 1, cpuPercent: 2, rssBytes: 20, heapUsedBytes: 5 },
    ]);
  });
});

describe('exportFileName', () => {
  it('makes a safe, dated file name', () => {
    assert.equal(exportFileName('node ../../x 12', 'csv', T0), 'process-vitals-node-x-12-2025-01-31T10-00-00.csv');
    assert.equal(exportFileName('///', 'png', T0), 'process-vitals-export-2025-01-31T10-00-00.png');
  });
});
