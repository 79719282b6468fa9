import * as assert from 'node:assert/strict';
import { LinuxProcessSource } from '../../../src/monitor/processes/LinuxProcessSource';
import { MacProcessSource } from '../../../src/monitor/processes/MacProcessSource';
import { PidusageProcessSource } from '../../../src/monitor/processes/PidusageProcessSource';
import { WindowsProcessSource } from '../../../src/monitor/processes/WindowsProcessSource';
import { createProcessSource } from '../../../src/monitor/processes/createProcessSource';

describe('createProcessSource', () => {
  const cases: Array<[NodeJS.Platform, abstract new (...args: never[]) => unknown]> = [
    ['darwin', MacProcessSource],
    ['win32', WindowsProcessSource],
    ['freebsd', PidusageProcessSource],
    ['sunos', PidusageProcessSource],
  ];
  if (process.platform === 'linux') cases.push(['linux', LinuxProcessSource]);
  for (const [platform, type] of cases) {
    it(`gives ${platform} a ${type.name}`, () => {
      const source = createProcessSource(platform);
      assert.ok(source instanceof type);
      source.dispose(); // creating a source starts nothing: no helper process to clean up
    });
  }

  it('falls back to ps + pidusage on a Linux without children files', () => {
    assert.ok(createProcessSource('linux', { procRoot: '/nonexistent' }) instanceof PidusageProcessSource);
  });
});
