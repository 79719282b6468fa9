import { strict as assert } from 'node:assert';
import type { HandleReport, LiveHandle } from '../../../src/agent/agentProtocol';
import { inventoryMessageOf, OpenableLocations, sourcePathOf } from '../../../src/extension/dashboard/handleInventory';
import { PROTOCOL_LIMITS, parseToWebview } from '../../../src/webview/protocol';

const frame = (file: string, line = 12, column = 5, functionName = 'startPolling') => ({ functionName, file, line, column });

function reportOf(handles: LiveHandle[], overrides: Partial<HandleReport> = {}): HandleReport {
  return { tracking: true, trackingSince: 1, handles, untracked: {}, note: '', truncated: false, ...overrides };
}

describe('sourcePathOf', () => {
  const cases: [string, string | null][] = [
    ['/home/dev/app/server.js', '/home/dev/app/server.js'],
    ['file:///home/dev/app/esm.mjs', '/home/dev/app/esm.mjs'],
    ['file:///home/dev/my%20app/a.mjs', '/home/dev/my app/a.mjs'],
    ['C:\\\\app\\\\server.js', 'C:\\\\app\\\\server.js'],
    ['node:internal/timers', null],
    ['internal/process/task_queues.js', null],
    ['evalmachine.<anonymous>', null],
    ['relative/path.js', null],
    ['file://remote-host/share/a.js', null],
    ['https://example.com/a.js', null],
    ['/tmp/a\0.js', null],
  ];
  for (const [file, expected] of cases) {
    it(`${JSON.stringify(file)} -> ${JSON.stringify(expected)}`, () => {
      if (file === 'file://remote-host/share/a.js' && process.platform === 'win32') return; // a UNC path there
      assert.equal(sourcePathOf(file), expected);
    });
  }
});

describe('inventoryMessageOf', () => {
  it('carries type (by its resource name), ref state, count, timer delay and frames, with files as paths and unknown lines as null', () => {
    const message = inventoryMessageOf(
      '7@1',
      reportOf(
        [
          { type: 'Timeout', hasRef: true, timerDelayMs: 1000, timerRepeats: true, count: 3, stack: [frame('/app/poll.js'), frame('node:internal/timers', 0, 0, 'listOnTimeout')] },
          { type: 'TCPSERVERWRAP', hasRef: null, count: 1, stack: [frame('file:///app/server.mjs', 4, 1, '')] },
        ],
        { untracked: { Timeout: 2 }, note: 'Start with PROCESS_VITALS_AGENT_TRACK_HANDLES=1' },
      ),
      false,
      99,
    );
    assert.deepEqual(message.items, [
      {
        type: 'Timeout',
        ref: true,
        count: 3,
        delayMs: 1000,
        repeats: true,
        stack: [
          { functionName: 'startPolling', path: '/app/poll.js', line: 12, column: 5 },
          { functionName: 'listOnTimeout', path: null, line: null, column: null },
        ],
      },
      { type: 'TCPServerWrap', ref: null, count: 1, delayMs: null, repeats: null, stack: [{ functionName: '', path: '/app/server.mjs', line: 4, column: 1 }] },
    ]);
    assert.deepEqual(message.untracked, { Timeout: 2 });
    assert.equal(message.trackedFromStart, false);
    assert.equal(message.takenAt, 99);
    const parsed = parseToWebview(message);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  });

  it('stays within the protocol limits and says when it cut the list', () => {
    const many = Array.from({ length: PROTOCOL_LIMITS.inventoryItems + 5 }, (): LiveHandle => ({ type: 'Timeout', hasRef: false, count: 1, stack: [frame('/a.js')] }));
    const message = inventoryMessageOf('7@1', reportOf(many), true, 1);
    assert.equal(message.items.length, PROTOCOL_LIMITS.inventoryItems);
    assert.equal(message.truncated, true);
    assert.ok(parseToWebview(message).ok);
  });
});

describe('OpenableLocations', () => {
  it('allows only files listed in an inventory it was given', () => {
    const openable = new OpenableLocations();
    const message = inventoryMessageOf('7@1', reportOf([{ type: 'Timeout', hasRef: true, count: 1, stack: [frame('/app/poll.js'), frame('node:internal/timers')] }]), true, 1);
    openable.addInventory(message);
    assert.equal(openable.allows('/app/poll.js'), true);
    for (const path of ['/etc/passwd', 'node:internal/timers', '/app/poll.js/../../etc/passwd', '']) assert.equal(openable.allows(path), false, path);
  });

  it('is bounded, forgetting the least recently listed paths', () => {
    const openable = new OpenableLocations(3);
    for (const name of ['a', 'b', 'c', 'd']) openable.addInventory({ items: [{ type: 'T', ref: true, count: 1, delayMs: null, repeats: null, stack: [{ functionName: '', path: `/${name}.js`, line: 1, column: 1 }] }] });
    assert.deepEqual(['a', 'b', 'c', 'd'].map((n) => openable.allows(`/${n}.js`)), [false, true, true, true]);
  });
});
