import * as assert from 'node:assert/strict';
import type * as SystemInformation from 'systeminformation';
import { SystemStatsSampler } from '../../../src/monitor/processes/SystemStatsSampler';

const fakeSi = (fsSize: () => Promise<unknown>) =>
  ({
    fsSize,
    mem: async () => ({ total: 8e9, available: 6e9 }),
  }) as unknown as typeof SystemInformation;

describe('SystemStatsSampler', () => {
  it('loads systeminformation only when sampling, once', async () => {
    let loads = 0;
    const sampler = new SystemStatsSampler({
      diskPath: '/home/ana/project',
      loadSystemInformation: () => {
        loads++;
        return fakeSi(async () => [
          { mount: '/', size: 100, used: 40, available: 60 },
          { mount: '/home', size: 1000, used: 100, available: 900 },
          { mount: '/home2', size: 1, used: 1, available: 0 },
        ]);
      },
    });
    assert.equal(loads, 0);
    const first = await sampler.sample();
    await sampler.sample();
    assert.equal(loads, 1);
    assert.deepEqual(first.disk, { mount: '/home', totalBytes: 1000, usedBytes: 100, availableBytes: 900 });
  });

  (process.platform === 'linux' ? it : it.skip)('reads CPU, memory and load from /proc on Linux', async () => {
    const sampler = new SystemStatsSampler();
    const first = await sampler.sample();
    assert.equal(first.cpuPercent, undefined);
    let spin = Date.now();
    while (Date.now() - spin < 50) spin += 0; // some CPU between the samples
    const second = await sampler.sample();
    assert.equal(second.error, undefined);
    assert.ok(second.cpuPercent !== undefined && second.cpuPercent >= 0 && second.cpuPercent <= 100);
    const memory = second.memory!;
    assert.ok(memory.totalBytes > 100e6 && memory.availableBytes <= memory.totalBytes);
    assert.equal(memory.usedBytes, memory.totalBytes - memory.availableBytes);
    assert.equal(second.loadAverage!.length, 3);
    assert.ok(second.disk!.totalBytes > 0, 'real systeminformation found the disk');
  });

  it('never throws: failures become an error message beside what did work', async () => {
    const sampler = new SystemStatsSampler({
      platform: 'linux',
      readTextFile: (path) => {
        if (path.endsWith('/meminfo')) throw new Error('EACCES');
        if (path.endsWith('/loadavg')) return '0.50 0.40 0.30 1/100 1234\n';
        return 'cpu  10 0 10 80 0 0 0 0 0 0\n';
      },
      loadSystemInformation: () => {
        throw new Error('Cannot find module systeminformation');
      },
    });
    const stats = await sampler.sample();
    assert.deepEqual(stats.loadAverage, [0.5, 0.4, 0.3]);
    assert.equal(stats.memory, undefined);
    assert.equal(stats.disk, undefined);
    assert.match(stats.error!, /memory: EACCES; disk: Cannot find module/);
  });

  it('uses systeminformation memory and os figures elsewhere (macOS)', async () => {
    const sampler = new SystemStatsSampler({ platform: 'darwin', diskPath: '/', loadSystemInformation: () => fakeSi(async () => [{ mount: '/', size: 10, used: 5, available: 5 }]) });
    const stats = await sampler.sample();
    assert.deepEqual(stats.memory, { totalBytes: 8e9, availableBytes: 6e9, usedBytes: 2e9 });
    assert.equal(stats.loadAverage!.length, 3);
    assert.equal(stats.error, undefined);
  });
});
