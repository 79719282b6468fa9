import { strict as assert } from 'node:assert';
import {
  MAX_HELLO_FRAME_BYTES,
  NdjsonDecoder,
  encodeFrame,
  fitHello,
  parseFrameJson,
  validateFromAgent,
  validateFromServer,
} from '../../../src/agent/agentProtocol';
import { VALID_HELLO, VALID_REPORT } from './agentFrames';

describe('agent protocol framing', () => {
  const cases: Array<{ name: string; chunks: string[]; limit?: number; lines: string[] | 'oversized'; buffered?: number }> = [
    { name: 'one line', chunks: ['{"a":1}\n'], lines: ['{"a":1}'] },
    { name: 'two lines in one chunk', chunks: ['a\nb\n'], lines: ['a', 'b'] },
    { name: 'a line split across chunks', chunks: ['ab', 'cd', 'e\nf'], lines: ['abcde'], buffered: 1 },
    { name: 'empty lines are kept (the validator refuses them)', chunks: ['\n\n'], lines: ['', ''] },
    { name: 'a line at the limit', chunks: ['abcd\n'], limit: 4, lines: ['abcd'] },
    { name: 'a line over the limit', chunks: ['abcde\n'], limit: 4, lines: 'oversized' },
    { name: 'no newline past the limit', chunks: ['ab', 'cd', 'e'], limit: 4, lines: 'oversized' },
    { name: 'a split line over the limit', chunks: ['abc', 'de\n'], limit: 4, lines: 'oversized' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const decoder = new NdjsonDecoder(c.limit ?? 1000);
      let lines: string[] | 'oversized' = [];
      for (const chunk of c.chunks) {
        const out = decoder.push(Buffer.from(chunk));
        if (out === 'oversized') {
          lines = out;
          break;
        }
        lines.push(...out);
      }
      assert.deepEqual(lines, c.lines);
      if (c.buffered !== undefined) assert.equal(decoder.bufferedBytes, c.buffered);
    });
  }

  it('decodes a multi-byte character split across chunks', () => {
    const bytes = Buffer.from('"é€😀"\n');
    const decoder = new NdjsonDecoder(100);
    const lines: string[] = [];
    for (let i = 0; i < bytes.length; i++) lines.push(...(decoder.push(bytes.subarray(i, i + 1)) as string[]));
    assert.deepEqual(lines, ['"é€😀"']);
  });

  it('round-trips frames through encodeFrame', () => {
    const line = encodeFrame(VALID_REPORT);
    assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
    const parsed = parseFrameJson(line.slice(0, -1));
    assert.ok(parsed.ok);
    const validated = validateFromAgent(parsed.value);
    assert.ok(validated.ok);
    assert.deepEqual(JSON.parse(JSON.stringify(validated.value)), VALID_REPORT);
    assert.deepEqual(validateFromAgent(VALID_HELLO), { ok: true, value: VALID_HELLO });
  });
});

describe('fitHello (a hello must fit the first-frame limit)', () => {
  const bytes = (frame: Parameters<typeof encodeFrame>[0]) => Buffer.byteLength(encodeFrame(frame));
  const long = (n: number, entry: (i: number) => string) => Array.from({ length: n }, (_, i) => entry(i));
  const cases: Array<[string, string[], string[]]> = [
    ['64 arguments of 1 KB', ['/usr/bin/node', '/app/server.js', ...long(62, (i) => `--arg${i}=${'a'.repeat(1010)}`)], long(64, () => '--x'.padEnd(1024, 'y'))],
    ['control characters (6 bytes each in JSON)', ['/usr/bin/node', '/app/server.js', ...long(62, () => '\u0001'.repeat(1024))], []],
    ['three-byte characters', ['/usr/bin/node', '/app/server.js', ...long(62, () => '\u20ac'.repeat(1024))], long(64, () => '\u20ac'.repeat(1024))],
  ];
  for (const [name, argv, execArgv] of cases) {
    it(`shortens ${name} until it fits, keeping node, the script and the start of each kept entry`, () => {
      const hello = { ...VALID_HELLO, argv, execArgv } as typeof VALID_HELLO;
      assert.ok(bytes(hello) > MAX_HELLO_FRAME_BYTES, 'the case must be too big to start with');
      const fitted = fitHello(hello);
      assert.ok(bytes(fitted) <= MAX_HELLO_FRAME_BYTES, `${bytes(fitted)} bytes`);
      assert.deepEqual(validateFromAgent(JSON.parse(encodeFrame(fitted))), { ok: true, value: fitted });
      assert.deepEqual(fitted.argv.slice(0, 2), argv.slice(0, 2));
      assert.ok(fitted.argv[2]!.startsWith(argv[2]!.slice(0, 32)));
    });
  }

  it('leaves a hello that fits as it is', () => {
    assert.equal(fitHello(VALID_HELLO), VALID_HELLO);
  });
});

describe('agent protocol validation', () => {
  const hello = (patch: Record<string, unknown>) => ({ ...VALID_HELLO, ...patch });
  const report = (patch: Record<string, unknown>) => ({ ...VALID_REPORT, ...patch });
  const refused: Array<[string, unknown]> = [
    ['not an object', 42],
    ['null', null],
    ['an array', [VALID_HELLO]],
    ['unknown type', { type: 'hola' }],
    ['hello without pid', hello({ pid: undefined })],
    ['hello with pid 0', hello({ pid: 0 })],
    ['hello with a string pid', hello({ pid: '42' })],
    ['hello with a fractional pid', hello({ pid: 4.2 })],
    ['hello with NaN-like start time', hello({ startTime: 'NaN' })],
    ['hello with too many argv entries', hello({ argv: new Array(65).fill('x') })],
    ['hello with a huge argument', hello({ argv: ['x'.repeat(1025)] })],
    ['hello with a non-string argument', hello({ argv: [{}] })],
    ['hello with a huge secret', hello({ secret: 'x'.repeat(300) })],
    ['hello with isMainThread as a string', hello({ isMainThread: 'true' })],
    ['hello with a string heap size limit', hello({ heapSizeLimit: '4096' })],
    ['hello with a zero heap size limit', hello({ heapSizeLimit: 0 })],
    ['hello with a short launch token', hello({ launchToken: 'abc' })],
    ['hello with a launch token holding a newline', hello({ launchToken: 'abcdefghijklmnop\nq' })],
    ['hello with a numeric launch token', hello({ launchToken: 1234567890123456 })],
    ['report with negative heap', report({ memory: { ...VALID_REPORT.memory, heapUsed: -1 } })],
    ['report with an infinite rss', report({ memory: { ...VALID_REPORT.memory, rss: Infinity } })],
    ['report without gc kinds', report({ gc: {} })],
    ['report with utilization above 1', report({ eventLoopUtilization: 1.5 })],
    ['report with an unknown delay source', report({ eventLoopDelay: { ...VALID_REPORT.eventLoopDelay, source: 'magic' } })],
    ['report with a __proto__ resource key', JSON.parse(JSON.stringify(VALID_REPORT).replace('"activeResources":{', '"activeResources":{"__proto__":1,'))],
    ['report with a constructor resource key', report({ activeResources: { constructor: 1 } })],
    ['report with too many resource types', report({ activeResources: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`T${i}`, 1])) })],
    ['report with a nested object as count', report({ activeResources: { Timeout: { n: 1 } } })],
    ['report with http as a number', report({ http: 5 })],
    ['report with gcSampling as null', report({ gcSampling: null })],
    ['report with gcSampling as a number', report({ gcSampling: 0.05 })],
    ['report with an observed GC fraction above 1', report({ gcSampling: { observedFraction: 1.5, intervalObserved: true } })],
    ['report with a negative observed GC fraction', report({ gcSampling: { observedFraction: -0.1, intervalObserved: true } })],
    ['report with an observed GC fraction as a string', report({ gcSampling: { observedFraction: '0.5', intervalObserved: true } })],
    ['report with gcSampling missing intervalObserved', report({ gcSampling: { observedFraction: 0.5 } })],
    ['result with an unknown kind', { type: 'result', id: 1, ok: true, kind: 'shell' }],
    ['result with ok as a string', { type: 'result', id: 1, ok: 'yes', kind: 'done' }],
    ['accepted without an estimate', { type: 'accepted', id: 1 }],
    ['error with an unknown kind', { type: 'error', kind: 'oops', fatal: true, message: '' }],
  ];
  for (const [name, frame] of refused) {
    it(`refuses ${name}`, () => {
      const result = validateFromAgent(frame);
      assert.equal(result.ok, false);
    });
  }

  it('never copies unknown keys, so hostile ones cannot reach the result', () => {
    const hostile = JSON.parse(JSON.stringify({ ...VALID_HELLO, extra: 1 }).replace('{', '{"__proto__":{"polluted":true},'));
    const result = validateFromAgent(hostile);
    assert.ok(result.ok);
    assert.equal((result.value as unknown as Record<string, unknown>).extra, undefined);
    assert.equal((result.value as unknown as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('accepts a hello with a heap size limit and a launch token, and one without either (older agents)', () => {
    const full = { ...VALID_HELLO, heapSizeLimit: 4_345_298_944, launchToken: 'Ab-_0123456789abcdefXYZ9' };
    assert.deepEqual(validateFromAgent(full), { ok: true, value: full });
    const older = validateFromAgent(VALID_HELLO);
    assert.ok(older.ok && older.value.type === 'hello' && !('heapSizeLimit' in older.value) && !('launchToken' in older.value));
  });

  it('accepts a report that says its GC figures were sampled, and one that does not (light processes, older agents)', () => {
    const sampled = { ...VALID_REPORT, gcSampling: { observedFraction: 0.05, intervalObserved: false } };
    const accepted = validateFromAgent(sampled);
    assert.ok(accepted.ok);
    // Through JSON: resource counts come back on a null prototype.
    assert.deepEqual(JSON.parse(JSON.stringify(accepted.value)), sampled);
    const hostile = validateFromAgent({ ...VALID_REPORT, gcSampling: { observedFraction: 1, intervalObserved: true, extra: 1 } });
    assert.ok(hostile.ok && hostile.value.type === 'report');
    assert.deepEqual(hostile.value.gcSampling, { observedFraction: 1, intervalObserved: true });
    const unsampled = validateFromAgent(VALID_REPORT);
    assert.ok(unsampled.ok && unsampled.value.type === 'report' && !('gcSampling' in unsampled.value));
  });

  it('keeps resource counts on a null prototype', () => {
    const result = validateFromAgent(VALID_REPORT);
    assert.ok(result.ok && result.value.type === 'report');
    assert.equal(Object.getPrototypeOf(result.value.activeResources), null);
  });

  const serverFrames: Array<[string, unknown, boolean]> = [
    ['welcome', { type: 'welcome', version: 1, reportIntervalMs: 1000, fineDetail: false }, true],
    ['welcome with a 1 ms report interval', { type: 'welcome', version: 1, reportIntervalMs: 1, fineDetail: false }, false],
    ['setDetail', { type: 'setDetail', fine: true }, true],
    ['heap snapshot request', { type: 'request', id: 1, kind: 'heapSnapshot', path: '/tmp/x.heapsnapshot' }, true],
    ['heap snapshot to a relative path', { type: 'request', id: 1, kind: 'heapSnapshot', path: 'x.heapsnapshot' }, false],
    ['heap snapshot over a dotfile', { type: 'request', id: 1, kind: 'heapSnapshot', path: '/home/u/.bashrc' }, false],
    ['heap snapshot to a Windows path', { type: 'request', id: 1, kind: 'heapSnapshot', path: 'C:\\t\\x.heapsnapshot' }, true],
    ['cpu profile of 10 s', { type: 'request', id: 2, kind: 'cpuProfile', path: '/tmp/x.cpuprofile', seconds: 10 }, true],
    ['cpu profile of a day', { type: 'request', id: 2, kind: 'cpuProfile', path: '/tmp/x.cpuprofile', seconds: 86400 }, false],
    ['heap profile at 128 KiB', { type: 'request', id: 3, kind: 'heapProfile', path: '/tmp/x.heapprofile', seconds: 1, intervalBytes: 131072 }, true],
    ['heap profile at 32 KiB', { type: 'request', id: 3, kind: 'heapProfile', path: '/tmp/x.heapprofile', seconds: 1, intervalBytes: 32768 }, false],
    ['handle report', { type: 'request', id: 4, kind: 'reportHandles' }, true],
    ['unknown request', { type: 'request', id: 5, kind: 'eval', code: 'process.exit()' }, false],
  ];
  for (const [name, frame, ok] of serverFrames) {
    it(`${ok ? 'accepts' : 'refuses'} a server ${name}`, () => {
      assert.equal(validateFromServer(frame).ok, ok);
    });
  }
});
