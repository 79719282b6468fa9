/** The pure parts of Diagnose Leaks: allocation sites, handles, memory maps, trends, cost, storage, the verdict and the Markdown. */
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeAllocations, type HeapProfileNode } from '../../../src/monitor/diagnosis/allocationSites';
import { estimateDiagnosisCost } from '../../../src/monitor/diagnosis/diagnosisCost';
import type { DiagnosisReport, LeakedObjectGroup } from '../../../src/monitor/diagnosis/DiagnosisReport';
import { DiagnosisStorage, keepNewestFiles } from '../../../src/monitor/diagnosis/DiagnosisStorage';
import { decideVerdict } from '../../../src/monitor/diagnosis/diagnosisVerdict';
import { growingHandleTypes, summarizeHandles } from '../../../src/monitor/diagnosis/handleEvidence';
import { newIds } from '../../../src/monitor/diagnosis/heapGraphAnalysis';
import { parseSmaps, readMemoryMaps } from '../../../src/monitor/diagnosis/memoryMaps';
import { relativeSourceLinks, renderDiagnosisMarkdown, SNAPSHOT_SECRETS_WARNING } from '../../../src/monitor/diagnosis/renderDiagnosisMarkdown';
import { renderStillRunningMarkdown } from '../../../src/monitor/diagnosis/renderStillRunning';
import { SourceMapResolver } from '../../../src/monitor/diagnosis/SourceMapResolver';
import { isGrowing, trendOf } from '../../../src/monitor/diagnosis/trendEvidence';

function frame(functionName: string, url: string, lineNumber: number): HeapProfileNode['callFrame'] {
  return { functionName, url, lineNumber, columnNumber: 2, scriptId: 1 };
}

function node(callFrame: HeapProfileNode['callFrame'], selfSize: number, children: HeapProfileNode[] = []): HeapProfileNode {
  return { callFrame, selfSize, children };
}

describe('summarizeAllocations', () => {
  const app = '/app/server.js';
  const lib = '/app/node_modules/lru/index.js';
  const profile = {
    head: node(frame('(root)', '', -1), 0, [
      node(frame('main', app, 0), 0, [
        // A user function allocating through a library and a builtin: attributed to the user frame.
        node(frame('handle', app, 9), 1000, [node(frame('set', lib, 4), 3000, [node(frame('parse', '', -1), 2000)])]),
        node(frame('report', '/opt/pv/dist/agentCore.js', 40), 500),
      ]),
      node(frame('processTicksAndRejections', 'node:internal/process/task_queues', 60), 700),
      node(frame('onLoad', lib, 20), 800),
    ]),
    samples: [],
  };

  it('attributes bytes to the innermost user frame, lists user sites first, then libraries, then internals', () => {
    const evidence = summarizeAllocations(profile, 131072, new SourceMapResolver());
    assert.equal(evidence.totalSampledBytes, 8000);
    assert.deepEqual(
      evidence.sites.map((s) => [s.functionName, s.origin, s.bytes, s.location?.line]),
      [
        ['handle', 'user', 6000, 10],
        ['onLoad', 'library', 800, 21],
        ['processTicksAndRejections', 'internal', 700, 61],
        ['report', 'internal', 500, 41],
      ],
    );
    assert.equal(evidence.sites[0].share, 0.75);
    assert.deepEqual(evidence.sites[0].callers, [{ file: app, line: 1, column: 3 }]);
  });
});

describe('handle evidence', () => {
  const cases: ReadonlyArray<[string, Record<string, number>, Record<string, number>, string[]]> = [
    ['steady', { Timeout: 3, TCPSocketWrap: 2 }, { Timeout: 3, TCPSocketWrap: 2 }, []],
    ['a few more timers is noise', { Timeout: 3 }, { Timeout: 6 }, []],
    ['timers pile up', { Timeout: 3 }, { Timeout: 30 }, ['Timeout']],
    ['new type', {}, { TCPSocketWrap: 12 }, ['TCPSocketWrap']],
    ['large steady pool growing a little', { TCPSocketWrap: 100 }, { TCPSocketWrap: 110 }, []],
    ['largest growth first', { Timeout: 1, FSReqCallback: 0 }, { Timeout: 10, TCPSocketWrap: 40 }, ['TCPSocketWrap', 'Timeout']],
  ];
  for (const [name, before, after, expected] of cases) {
    it(`growing types: ${name}`, () => assert.deepEqual(growingHandleTypes(before, after), expected));
  }

  it('puts handles of growing types and ref\'d ones first, with their first user frame as the creation site', () => {
    const evidence = summarizeHandles(
      {
        tracking: true,
        trackingSince: 1,
        handles: [
          { type: 'Timeout', hasRef: false, stack: [{ functionName: 'poll', file: '/a.js', line: 3, column: 1 }], count: 50, timerDelayMs: 10, timerRepeats: true },
          { type: 'TCPWRAP', hasRef: true, stack: [{ functionName: 'connect', file: '/b.js', line: 7, column: 5 }], count: 20 },
          { type: 'TCPWRAP', hasRef: true, stack: [], count: 20 },
        ],
        untracked: { Timeout: 1 },
        note: 'n',
        truncated: false,
      },
      { TCPSocketWrap: 1, Timeout: 50 },
      { TCPSocketWrap: 41, Timeout: 51 },
      false,
      true,
    );
    assert.deepEqual(evidence.growingTypes, ['TCPSocketWrap']);
    assert.deepEqual(evidence.groups.map((g) => [g.type, g.createdAt?.line ?? null, g.createdIn]), [
      ['TCPWRAP', 7, 'connect'],
      ['TCPWRAP', null, ''],
      ['Timeout', 3, 'poll'],
    ]);
  });
});

describe('memory maps', () => {
  const SMAPS = [
    '55d0c0000000-55d0c0100000 r-xp 00000000 08:01 1234 /usr/bin/node',
    'Rss:                 400 kB',
    'Swap:                  0 kB',
    '55d0c1000000-55d0c3000000 rw-p 00000000 00:00 0 [heap]',
    'Rss:                2048 kB',
    'Swap:                 16 kB',
    '7f0000000000-7f0000800000 rw-p 00000000 00:00 0 ',
    'Rss:                8192 kB',
    '7f0000800000-7f0000900000 rw-s 00000000 00:05 99 /dev/shm/x',
    'Rss:                 100 kB',
    '7f0000900000-7f0000a00000 r--p 00000000 08:01 555 /usr/lib/libc.so.6',
    'Rss:                 300 kB',
    '7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]',
    'Rss:                 132 kB',
    'VmFlags: rd wr mr mw me gd ac',
    '',
  ].join('\n');

  it('splits resident memory into brk heap, stack, anonymous, shared and file-backed', () => {
    assert.deepEqual(parseSmaps(SMAPS), {
      rssBytes: (400 + 2048 + 8192 + 100 + 300 + 132) * 1024,
      anonymousBytes: 8192 * 1024,
      fileBackedBytes: 700 * 1024,
      brkHeapBytes: 2048 * 1024,
      stackBytes: 132 * 1024,
      shmemBytes: 100 * 1024,
      swapBytes: 16 * 1024,
    });
  });

  it('says why there is no breakdown', () => {
    assert.match((readMemoryMaps(1, '/proc', 'darwin') as { unavailable: string }).unavailable, /Linux/);
    assert.match((readMemoryMaps(99999999, '/nonexistent', 'linux') as { unavailable: string }).unavailable, /could not read/);
  });
});

describe('trendOf', () => {
  const times = Array.from({ length: 20 }, (_, i) => 1_000_000 + i * 1000);
  it('measures steady growth per second', () => {
    const trend = trendOf('rssBytes', times, times.map((_, i) => 50e6 + i * 1e6 + (i % 2) * 1e5))!;
    assert.ok(Math.abs(trend.ratePerSecond - 1e6) < 2e5, String(trend.ratePerSecond));
    assert.ok(trend.monotonicity > 0.8);
    assert.ok(trend.confidence > 0.99);
    assert.ok(isGrowing(trend, 2e6));
  });
  it('sees no growth in a flat saw-tooth, and skips gaps', () => {
    const trend = trendOf('heapUsedBytes', times, times.map((_, i) => (i === 4 ? NaN : 50e6 + (i % 4) * 1e6)))!;
    assert.equal(trend.samples, 19);
    assert.ok(!isGrowing(trend, 2e6));
  });
  it('needs three samples', () => assert.equal(trendOf('rssBytes', [1, 2], [1, 2]), null));
});

describe('newIds', () => {
  const cases: ReadonlyArray<[number[], number[], number[]]> = [
    [[], [1, 3], [1, 3]],
    [[1, 3, 5], [1, 3, 5], []],
    [[1, 5, 9], [1, 3, 5, 7, 11], [3, 7, 11]],
    [[2, 4], [1], [1]],
  ];
  for (const [earlier, later, expected] of cases) {
    it(`${JSON.stringify(later)} minus ${JSON.stringify(earlier)}`, () => assert.deepEqual([...newIds(Uint32Array.from(earlier), Uint32Array.from(later))], expected));
  }
});

describe('estimateDiagnosisCost', () => {
  it('estimates from heapUsed assuming small objects, and states the assumption', () => {
    const estimate = estimateDiagnosisCost({ heapUsedBytes: 48e6, observeSeconds: 30, availableBytes: 16 * 1024 ** 3 });
    assert.equal(estimate.estimatedObjects, 1e6);
    assert.equal(estimate.freezeMsPerSnapshot, 3500);
    assert.equal(estimate.targetExtraBytes, 512e6);
    assert.ok(estimate.safe);
    assert.match(estimate.assumption, /small objects/);
    assert.ok(estimate.durationMs > 60_000);
  });
  it('uses a known object count', () => {
    assert.equal(estimateDiagnosisCost({ heapUsedBytes: 300e6, objectCount: 70_000, observeSeconds: 1, availableBytes: 1e9 }).estimatedObjects, 70_000);
  });
  it('refuses when memory is short', () => {
    const estimate = estimateDiagnosisCost({ heapUsedBytes: 300e6, observeSeconds: 30, availableBytes: 2 * 1024 ** 3 });
    assert.equal(estimate.safe, false);
    assert.match(estimate.refusal!, /Not enough free memory/);
  });
});

describe('DiagnosisStorage', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'pv-storage-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('keeps the newest diagnoses and never touches other files', () => {
    const storage = new DiagnosisStorage(root);
    const folders = [0, 1, 2, 3].map((i) => storage.createFolder(100 + i, new Date(2026, 0, 1, 12, 0, i)));
    writeFileSync(join(folders[3], 'final.heapsnapshot'), 'x'.repeat(10));
    mkdirSync(join(root, 'mine'));
    writeFileSync(join(root, 'notes.txt'), 'keep me');
    assert.deepEqual(storage.list().map((d) => d.pid), [103, 102, 101, 100]);
    assert.equal(storage.list()[0].bytes, 10);
    assert.deepEqual(storage.prune(2), [folders[1], folders[0]]);
    assert.deepEqual(readdirSync(root).sort(), [...folders.slice(2).map((f) => f.slice(root.length + 1)), 'mine', 'notes.txt'].sort());
  });

  it('gives two diagnoses started in the same millisecond their own folders', () => {
    const storage = new DiagnosisStorage(root);
    const now = new Date();
    assert.notEqual(storage.createFolder(7, now), storage.createFolder(7, now));
  });
});

const GROUP: LeakedObjectGroup = {
  name: 'Session',
  nodeType: 'object',
  count: 5000,
  selfBytes: 200_000,
  retainedBytes: 3_000_000,
  countInBaseline: 1000,
  countInTarget: 6000,
  countInFinal: 11000,
  internal: false,
  suspect: true,
  retainerPaths: [{ nodes: [{ name: '(GC roots)', type: 'synthetic', edge: 'internal' }, { name: 'Map', type: 'object', edge: 'internal' }, { name: 'Session', type: 'object', edge: '' }] }],
};

function report(parts: Partial<DiagnosisReport>): DiagnosisReport {
  const base: Omit<DiagnosisReport, 'verdict'> = {
    version: 1, pid: 42, processName: 'node server.js | tee', startedAt: 0, finishedAt: 1, observeSeconds: 10, mode: 'agent',
    detectorVerdicts: [], trends: [], memoryGrowth: [], heapDiff: null, allocations: null, handles: null, osMemory: null, cost: null,
    files: [{ kind: 'finalSnapshot', path: '/tmp/d/final.heapsnapshot', bytes: 2048 }], folder: '/tmp/d', advice: [], problems: [],
  };
  const merged = { ...base, ...parts };
  return { ...merged, verdict: parts.verdict ?? decideVerdict(merged) };
}

describe('decideVerdict and renderDiagnosisMarkdown', () => {
  const heapDiff = { baselineNodes: 1, targetNodes: 2, finalNodes: 3, survivorCount: 5000, survivorSelfBytes: 200_000, groups: [GROUP], analysisMs: 10 };
  const allocations = {
    intervalBytes: 131072,
    totalSampledBytes: 1000,
    sites: [{ functionName: 'openSession', location: { file: '/app/server.ts', line: 12, column: 3 }, origin: 'user' as const, bytes: 900, samples: 7, share: 0.9, callers: [] }],
  };

  it('finds a heap leak and names the constructor, its path and the allocating line', () => {
    const r = report({ heapDiff, allocations });
    assert.equal(r.verdict.outcome, 'leak');
    assert.deepEqual(r.verdict.kinds, ['heap']);
    assert.match(r.verdict.findings[0], /5,000 Session objects .* held by \(GC roots\) → Map → Session/);
    assert.match(r.verdict.findings[1], /openSession \(\/app\/server\.ts:12:3\)/);
  });

  it('finds no leak when nothing is suspect, and is inconclusive without a diff', () => {
    assert.equal(report({ heapDiff: { ...heapDiff, groups: [{ ...GROUP, suspect: false }] } }).verdict.outcome, 'no-leak');
    assert.equal(report({}).verdict.outcome, 'inconclusive');
  });

  it('renders the verdict first, links locations, escapes table cells, and warns about secrets', () => {
    const markdown = renderDiagnosisMarkdown(report({ heapDiff, allocations }), { linkFor: relativeSourceLinks('/home/dev/.storage/diagnoses/1') });
    const lines = markdown.split('\n');
    assert.match(lines[0], /^# Leak diagnosis: node server\.js \\\| tee \(PID 42\)$/);
    assert.match(lines[2], /^\*\*Leak found\.\*\*/);
    assert.ok(markdown.includes('[`/app/server.ts:12:3`](../../../../../app/server.ts#L12,3)'), markdown);
    assert.ok(markdown.includes('| `Session` | 5,000 |'));
    assert.ok(markdown.includes(SNAPSHOT_SECRETS_WARNING.slice(0, 40)));
    assert.ok(markdown.indexOf('Leak found') < markdown.indexOf('## Objects allocated'));
  });
});

describe('source links in Markdown', () => {
  it('link relative to the Markdown file with a #L<line>,<column> fragment (the preview refuses file: links)', () => {
    const links = relativeSourceLinks('/work/app/.process-vitals/run-1');
    assert.equal(links({ file: '/work/app/src/server.js', line: 10, column: 19 }), '../../src/server.js#L10,19');
    assert.equal(links({ file: '/work/app/my dir/a#b.js', line: 1, column: 1 }), '../../my%20dir/a%23b.js#L1,1');
    assert.equal(links({ file: 'node:internal/timers', line: 5, column: 1 }), undefined);
    assert.equal(links({ file: 'webpack://app/src/x.ts', line: 5, column: 1 }), undefined);
  });

  it('answers "why is it still running" with linked creation lines, and says what has no line and why', () => {
    const markdown = renderStillRunningMarkdown('node keeps-running.js', 7, {
      tracking: true,
      trackingSince: 1,
      handles: [
        { type: 'Timeout', hasRef: true, timerDelayMs: 30000, timerRepeats: true, count: 1, stack: [{ functionName: '', file: '/w/keeps-running.js', line: 10, column: 19 }] },
        { type: 'TCPSERVERWRAP', hasRef: true, count: 1, stack: [] },
        { type: 'Timeout', hasRef: false, timerDelayMs: 5, timerRepeats: false, count: 3, stack: [{ functionName: 'f', file: '/w/unref.js', line: 2, column: 1 }] },
      ],
      untracked: { FSReqCallback: 2 },
      note: '',
      truncated: false,
    }, relativeSourceLinks('/storage/answers'));
    assert.match(markdown, /^# Why is node keeps-running\.js \(PID 7\) still running\?/);
    assert.match(markdown, /2 ref'd handle\(s\) and timer\(s\) keep the event loop alive/);
    assert.ok(markdown.includes('- 1 × **Timeout** (every 30000 ms), created at [keeps-running.js:10](../../w/keeps-running.js#L10,19)'), markdown);
    assert.ok(markdown.includes('**TCPSERVERWRAP**, created inside Node'), markdown);
    assert.ok(!markdown.includes('unref.js'), 'an unref\'d timer does not keep it running');
    assert.match(markdown, /Created before tracking began, so without a creation line: 2 FSReqCallback\./);
  });
});

describe('keepNewestFiles', () => {
  it('keeps the newest matching files by modification time and leaves other files alone', () => {
    const folder = mkdtempSync(join(tmpdir(), 'pv-keep-'));
    try {
      ['a', 'b', 'c', 'd'].forEach((name, i) => {
        writeFileSync(join(folder, `${name}.heapsnapshot`), name);
        utimesSync(join(folder, `${name}.heapsnapshot`), 1000 + i, 1000 + i);
      });
      writeFileSync(join(folder, 'other.cpuprofile'), 'x');
      const removed = keepNewestFiles(folder, /\.heapsnapshot$/, 2).map((f) => f.slice(folder.length + 1));
      assert.deepEqual(removed.sort(), ['a.heapsnapshot', 'b.heapsnapshot']);
      assert.deepEqual(readdirSync(folder).sort(), ['c.heapsnapshot', 'd.heapsnapshot', 'other.cpuprofile']);
      assert.deepEqual(keepNewestFiles(join(folder, 'missing'), /x/, 1), []);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
