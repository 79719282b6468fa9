import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { parseEnviron, readProcessEnvironment } from '../../../src/monitor/processes/processEnvironment';

describe('readProcessEnvironment', () => {
  it('parses NUL-separated entries, keeps "=" inside values, skips nameless entries and our own variables', () => {
    const env = parseEnviron('PATH=/usr/bin\0EMPTY=\0EQ=a=b\0=weird\0noequals\0PROCESS_VITALS_AGENT_SECRET=s3cret\0');
    assert.deepEqual({ ...env }, { PATH: '/usr/bin', EMPTY: '', EQ: 'a=b' });
  });

  it('reads the environment a real process started with (Linux), and nothing elsewhere or for a gone PID', async function () {
    if (process.platform !== 'linux') this.skip();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { env: { PV_PROBE: 'x y=z', PROCESS_VITALS_AGENT_ENDPOINT: '/tmp/s' }, stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      const env = readProcessEnvironment(child.pid!);
      assert.equal(env?.PV_PROBE, 'x y=z');
      assert.equal(env?.PROCESS_VITALS_AGENT_ENDPOINT, undefined);
    } finally {
      child.kill();
    }
    assert.equal(readProcessEnvironment(process.pid, 'darwin'), undefined);
    assert.equal(readProcessEnvironment(2 ** 22 + 7), undefined);
  });
});
