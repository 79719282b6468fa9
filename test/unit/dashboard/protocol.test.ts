import { strict as assert } from 'node:assert';
import { PROTOCOL_LIMITS, PROTOCOL_VERSION, parseToHost, parseToWebview, parseViewStateOrUndefined } from '../../../src/webview/protocol';

const v = PROTOCOL_VERSION;
const row = { key: '1@2', pid: 1, ppid: 0, name: 'node', command: 'node a.js', origin: 'Terminal: dev', startTime: 2, agent: false };
const state = { range: '5m', focusKey: null, paused: false, hiddenSeries: [] };
const hydrate = {
  v,
  type: 'hydrate',
  state,
  now: 10,
  intervalMs: 1000,
  bucketMs: 1000,
  catalog: [{ key: 'cpuPercent', label: 'CPU', unit: 'percent', chart: 'cpu', chartTitle: 'CPU', agentOnly: false }],
  processes: [row],
  history: [{ key: '1@2', times: [1, 2], series: { cpuPercent: { values: [1, null] } } }],
  markers: [{ id: 'gc:1', time: 1, kind: 'majorGc', processKey: null, label: 'GC' }],
  system: null,
  features: { alerts: false, leakVerdicts: false, handleInventory: false },
};
const tick = { v, type: 'tick', time: 5, appeared: [row], changed: [], exited: ['3@4'], newSeries: [], samples: [{ key: '1@2', time: 5, values: { cpuPercent: 3, rssBytes: null } }] };
const png = 'data:image/png;base64,iVBORw0KGgo=';
const handleItem = { type: 'Timeout', ref: true, count: 2, delayMs: 1000, repeats: true, stack: [{ functionName: 'f', path: '/a.js', line: 3, column: 1 }] };
const inventory = { v, type: 'handleInventory', processKey: '1@2', takenAt: 1, trackedFromStart: false, items: [handleItem, { ...handleItem, ref: null, delayMs: null, repeats: null, stack: [] }], untracked: { TCPServerWrap: 1 }, note: 'n', truncated: false };

describe('dashboard protocol: messages to the page', () => {
  const valid: [string, unknown][] = [
    ['hydrate', hydrate],
    ['tick', tick],
    ['system', { v, type: 'system', system: { time: 1, cpuPercent: null, cpuCount: 2, memory: { totalBytes: 2, usedBytes: 1 }, loadAverage: [1, 2, 3], disk: null } }],
    ['alerts', { v, type: 'alerts', alerts: [{ id: 'a', processKey: '1@2', rule: 'cpu', severity: 'warning', state: 'firing', message: 'busy', since: 1 }] }],
    ['leakVerdicts', { v, type: 'leakVerdicts', verdicts: [{ processKey: '1@2', kind: 'heap', ratePerSecond: 1000, confidence: 0.9, onset: null, secondsToLimit: 60 }] }],
    ['markers', { v, type: 'markers', markers: [{ id: 'alert:a', time: 1, kind: 'alert', processKey: '1@2', label: 'x' }], removed: ['gc:1'] }],
    [
      'handleInventory',
      inventory,
    ],
    ['handleInventoryStatus', { v, type: 'handleInventoryStatus', processKey: '1@2', state: 'failed', message: 'agent gone' }],
  ];
  for (const [name, message] of valid) {
    it(`accepts a well-formed ${name}`, () => {
      const parsed = parseToWebview(message);
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
      assert.equal(parsed.value.type, name);
    });
  }

  const invalid: [string, unknown, RegExp][] = [
    ['a non-object', 'hello', /expected an object/],
    ['null', null, /expected an object/],
    ['another protocol version', { ...tick, v: 2 }, /protocol version/],
    ['an unknown type', { v, type: 'evil' }, /unknown type/],
    ['a tick without samples', { ...tick, samples: undefined }, /samples: expected an array/],
    ['a NaN-free number field holding a string', { ...tick, time: '5' }, /time: expected a finite number/],
    ['an infinite time', { ...tick, time: Infinity }, /finite number/],
    ['a negative PID', { ...tick, appeared: [{ ...row, pid: -1 }] }, /pid: expected an integer/],
    ['history values not parallel to times', { ...hydrate, history: [{ key: 'k', times: [1], series: { cpuPercent: { values: [1, 2] } } }] }, /not parallel/],
    ['a __proto__ series key', { ...tick, samples: [{ key: 'k', time: 1, values: JSON.parse('{"__proto__": 1}') }] }, /bad key/],
    ['too many processes', { ...tick, appeared: Array.from({ length: PROTOCOL_LIMITS.processes + 1 }, () => row) }, /array longer than/],
    ['too many points', { ...hydrate, history: [{ key: 'k', times: new Array(PROTOCOL_LIMITS.pointsPerSeries + 1).fill(1), series: {} }] }, /array longer than/],
    ['an unknown unit', { ...hydrate, catalog: [{ ...hydrate.catalog[0], unit: 'furlongs' }] }, /unit: expected one of/],
    ['an unknown range', { ...hydrate, state: { ...state, range: '2d' } }, /range: expected one of/],
    ['a confidence above 1', { v, type: 'leakVerdicts', verdicts: [{ processKey: 'k', kind: 'heap', ratePerSecond: 1, confidence: 2, onset: null, secondsToLimit: null }] }, /confidence/],
    ['two load averages', { v, type: 'system', system: { time: 1, cpuPercent: 1, cpuCount: 1, memory: null, loadAverage: [1, 2], disk: null } }, /three load averages/],
    ['a stack frame line of 0', { ...inventory, items: [{ ...handleItem, stack: [{ functionName: 'f', path: '/a', line: 0, column: null }] }] }, /line: expected an integer >= 1/],
    ['a handle count of 0', { ...inventory, items: [{ ...handleItem, count: 0 }] }, /count: expected an integer >= 1/],
    ['a ref state that is a string', { ...inventory, items: [{ ...handleItem, ref: 'yes' }] }, /ref: expected a boolean/],
    ['an inventory without untracked counts', { ...inventory, untracked: undefined }, /untracked: expected an object/],
    ['negative untracked counts', { ...inventory, untracked: { Timeout: -1 } }, /untracked\.Timeout: expected an integer >= 0/],
    ['a __proto__ untracked type', { ...inventory, untracked: JSON.parse('{"__proto__": 1}') }, /bad key/],
    ['too many stack frames', { ...inventory, items: [{ ...handleItem, stack: new Array(PROTOCOL_LIMITS.stackFrames + 1).fill(handleItem.stack[0]) }] }, /array longer than/],
    ['an unknown inventory state', { v, type: 'handleInventoryStatus', processKey: 'k', state: 'done', message: '' }, /state: expected one of/],
    ['an oversized string', { ...tick, exited: ['x'.repeat(200)] }, /longer than/],
    ['a marker without an id', { v, type: 'markers', markers: [{ time: 1, kind: 'alert', processKey: null, label: 'x' }], removed: [] }, /markers\[0\]\.id: expected a string/],
    ['a marker of an unknown kind', { v, type: 'markers', markers: [{ id: 'm', time: 1, kind: 'deploy', processKey: null, label: 'x' }], removed: [] }, /kind: expected one of/],
    ['a marker at an infinite time', { v, type: 'markers', markers: [{ id: 'm', time: Infinity, kind: 'alert', processKey: null, label: 'x' }], removed: [] }, /time: expected a finite number/],
    ['a markers message without removed', { v, type: 'markers', markers: [] }, /removed: expected an array/],
    ['removed ids that are not strings', { v, type: 'markers', markers: [], removed: [{ id: 'm' }] }, /removed\[0\]: expected a string/],
    ['too many markers', { v, type: 'markers', markers: new Array(PROTOCOL_LIMITS.markers + 1).fill({ id: 'm', time: 1, kind: 'alert', processKey: null, label: 'x' }), removed: [] }, /array longer than/],
    ['a marker label of 10 KB', { v, type: 'markers', markers: [{ id: 'm', time: 1, kind: 'alert', processKey: null, label: 'x'.repeat(10_000) }], removed: [] }, /longer than/],
    ['hydration markers without ids', { ...hydrate, markers: [{ time: 1, kind: 'majorGc', processKey: null, label: 'GC' }] }, /markers\[0\]\.id/],
  ];
  for (const [name, message, error] of invalid) {
    it(`rejects ${name}`, () => {
      const parsed = parseToWebview(message);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.error, error);
    });
  }

  it('returns new objects, dropping fields it does not know', () => {
    const parsed = parseToWebview({ ...tick, extra: 'x', samples: [{ ...tick.samples[0], extra: 1 }] });
    assert.ok(parsed.ok);
    assert.equal((parsed.value as unknown as Record<string, unknown>).extra, undefined);
  });
});

describe('dashboard protocol: messages to the host', () => {
  const valid: unknown[] = [
    { v, type: 'ready' },
    { v, type: 'setRange', range: 'session' },
    { v, type: 'focus', processKey: null },
    { v, type: 'focus', processKey: '1@2' },
    { v, type: 'setPaused', paused: true },
    { v, type: 'toggleSeries', seriesKey: 'heapUsed', visible: false },
    { v, type: 'export', format: 'csv' },
    { v, type: 'export', format: 'recording' },
    { v, type: 'savePng', chartTitle: 'CPU', dataUrl: png },
    { v, type: 'openLocation', path: '/src/a.js', line: 3, column: null },
    { v, type: 'alertAction', alertId: 'a', action: 'acknowledge' },
    { v, type: 'diagnoseLeaks', processKey: null },
    { v, type: 'inspectHandles', processKey: '1@2' },
    { v, type: 'cspViolation', directive: 'style-src', blockedUri: 'inline', sourceFile: '' },
    { v, type: 'pageError', message: 'boom' },
  ];
  for (const message of valid) {
    it(`accepts ${JSON.stringify(message).slice(0, 70)}`, () => {
      const parsed = parseToHost(message);
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    });
  }

  const invalid: [string, unknown, RegExp][] = [
    ['an unknown type', { v, type: 'runCommand', command: 'rm' }, /unknown type/],
    ['no version', { type: 'ready' }, /protocol version/],
    ['an unknown export format', { v, type: 'export', format: 'xlsx' }, /format/],
    ['a PNG that is not a data URL', { v, type: 'savePng', chartTitle: 'CPU', dataUrl: 'https://evil/x.png' }, /base64 PNG/],
    ['a data URL of another type', { v, type: 'savePng', chartTitle: 'CPU', dataUrl: 'data:text/html;base64,PGI+' }, /base64 PNG/],
    ['an oversized PNG', { v, type: 'savePng', chartTitle: 'CPU', dataUrl: `data:image/png;base64,${'A'.repeat(PROTOCOL_LIMITS.pngDataUrl)}` }, /longer than/],
    ['line 0', { v, type: 'openLocation', path: '/a', line: 0, column: null }, /line/],
    ['a fractional line', { v, type: 'openLocation', path: '/a', line: 1.5, column: null }, /line/],
    ['an unknown alert action', { v, type: 'alertAction', alertId: 'a', action: 'delete' }, /action/],
    ['a non-boolean pause', { v, type: 'setPaused', paused: 'yes' }, /boolean/],
    ['an array', [], /expected an object/],
    ['an inventory request for all processes', { v, type: 'inspectHandles', processKey: null }, /processKey: expected a string/],
    ['an inventory request with a 10 KB key', { v, type: 'inspectHandles', processKey: 'k'.repeat(10_000) }, /longer than/],
    ['a location with a path of 5 KB', { v, type: 'openLocation', path: `/${'a'.repeat(5000)}`, line: 1, column: null }, /longer than/],
    ['a location with a column of 0', { v, type: 'openLocation', path: '/a', line: 1, column: 0 }, /column/],
  ];
  for (const [name, message, error] of invalid) {
    it(`rejects ${name}`, () => {
      const parsed = parseToHost(message);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.error, error);
    });
  }
});

describe('dashboard protocol: saved view state', () => {
  it('accepts a saved state and rejects a corrupt one', () => {
    assert.deepEqual(parseViewStateOrUndefined({ range: '1h', focusKey: '1@2', paused: true, hiddenSeries: ['cpuPercent'] }), {
      range: '1h',
      focusKey: '1@2',
      paused: true,
      hiddenSeries: ['cpuPercent'],
    });
    assert.equal(parseViewStateOrUndefined(undefined), undefined);
    assert.equal(parseViewStateOrUndefined({ range: 'forever', focusKey: null, paused: false, hiddenSeries: [] }), undefined);
  });
});
