import * as assert from 'node:assert/strict';
import { PowerShellSession } from '../../../src/monitor/processes/PowerShellSession';
import { FakePowerShell } from './FakePowerShell';

describe('PowerShellSession framing and lifecycle', () => {
  it('starts the helper lazily, once, and frames answers split across chunks', async () => {
    const fake = new FakePowerShell((line) => `answer to ${line.slice(0, 5)}\r\nsecond line`);
    const session = new PowerShellSession({ spawn: () => fake.start() });
    assert.equal(fake.started, 0);
    const [a, b] = await Promise.all([session.request('one'), session.request('two')]);
    assert.equal(a, 'answer to one; \r\nsecond line');
    assert.equal(b, 'answer to two; \r\nsecond line');
    assert.equal(fake.started, 1);
    assert.match(fake.statements[0]!, /OutputEncoding/);
    session.dispose();
    assert.equal(fake.killed, 1);
    await assert.rejects(session.request('three'), /disposed/);
  });

  it('does not mistake the sentinel inside an answer for the end of it', async () => {
    const fake = new FakePowerShell(() => "text with '__PROCESS_VITALS_END_1__' inside");
    const session = new PowerShellSession({ spawn: () => fake.start() });
    assert.equal(await session.request('x'), "text with '__PROCESS_VITALS_END_1__' inside");
    session.dispose();
  });

  it('fails the pending request when the helper dies, and restarts it on the next', async () => {
    const fake = new FakePowerShell(() => 'ok');
    fake.answering = false;
    const session = new PowerShellSession({ spawn: () => fake.start() });
    const pending = session.request('x');
    await new Promise((resolve) => setImmediate(resolve));
    fake.crash();
    await assert.rejects(pending, /exited/);
    fake.answering = true;
    assert.equal(await session.request('y'), 'ok');
    assert.equal(fake.started, 2);
    session.dispose();
  });

  it('kills a helper that does not answer in time', async () => {
    const fake = new FakePowerShell(() => 'ok');
    fake.answering = false;
    const session = new PowerShellSession({ spawn: () => fake.start(), timeoutMs: 50 });
    await assert.rejects(session.request('x'), /did not answer/);
    assert.equal(fake.killed, 1);
    session.dispose();
  });

  it('stops respawning after repeated failures, for a while', async () => {
    let clock = 0;
    const session = new PowerShellSession({
      spawn: () => {
        throw new Error('powershell.exe not found');
      },
      now: () => clock,
    });
    for (let i = 0; i < 3; i++) await assert.rejects(session.request('x'), /not found/);
    await assert.rejects(session.request('x'), /not restarting/);
    clock += 60_000;
    await assert.rejects(session.request('x'), /not found/);
    session.dispose();
  });

  it('rejects multi-line statements', async () => {
    const session = new PowerShellSession({ spawn: () => new FakePowerShell(() => '').start() });
    await assert.rejects(session.request('a\nb'), /single line/);
    session.dispose();
  });
});
