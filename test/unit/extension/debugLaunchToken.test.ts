import { strict as assert } from 'node:assert';
import { AGENT_LAUNCH_TOKEN_ENV, LAUNCH_TOKEN_PATTERN } from '../../../src/agent/agentProtocol';
import { LaunchTokenMatcher, launchTokenOf, newLaunchToken, type LaunchSession } from '../../../src/extension/debugLaunchToken';

const TOKEN_A = 'AAAAAAAAAAAAAAAAAAAAAAAA';
const TOKEN_B = 'BBBBBBBBBBBBBBBBBBBBBBBB';
const session = (id: string, token?: string): LaunchSession => ({ id, configuration: token ? { type: 'pwa-node', env: { [AGENT_LAUNCH_TOKEN_ENV]: token, FOO: '1' } } : { type: 'pwa-node' } });
const hello = (pid: number, launchToken?: string, isMainThread = true) => ({ pid, isMainThread, ...(launchToken ? { launchToken } : {}) });

describe('debug launch tokens', () => {
  it('makes fresh tokens the agent protocol accepts', () => {
    const a = newLaunchToken();
    assert.ok(LAUNCH_TOKEN_PATTERN.test(a), a);
    assert.notEqual(a, newLaunchToken());
  });

  const configurations: Array<[string, Record<string, unknown> | undefined, string | undefined]> = [
    ['no configuration', undefined, undefined],
    ['no env', { type: 'node' }, undefined],
    ['env without a token', { env: { NODE_OPTIONS: '' } }, undefined],
    ['a token', { env: { [AGENT_LAUNCH_TOKEN_ENV]: TOKEN_A } }, TOKEN_A],
    ['a malformed token', { env: { [AGENT_LAUNCH_TOKEN_ENV]: 'short' } }, undefined],
    ['a token set to null (unset by the user)', { env: { [AGENT_LAUNCH_TOKEN_ENV]: null } }, undefined],
    ['env as a string', { env: 'nope' }, undefined],
  ];
  for (const [name, configuration, token] of configurations) it(`launchTokenOf: ${name}`, () => assert.equal(launchTokenOf(configuration), token));
});

describe('LaunchTokenMatcher', () => {
  it('matches a hello that arrives after its session started', () => {
    const m = new LaunchTokenMatcher<LaunchSession>();
    const s = session('1', TOKEN_A);
    assert.equal(m.addSession(s), undefined);
    assert.equal(m.addSession(session('2', TOKEN_B)), undefined);
    assert.deepEqual(m.addHello(hello(4242, TOKEN_A)), { session: s, pid: 4242 });
  });

  it('matches a hello that arrives before VS Code announces its session', () => {
    const m = new LaunchTokenMatcher<LaunchSession>();
    assert.equal(m.addHello(hello(4242, TOKEN_A)), undefined);
    const s = session('1', TOKEN_A);
    assert.deepEqual(m.addSession(s), { session: s, pid: 4242 });
  });

  it('takes the first main-thread hello as the debuggee; children inheriting the token and worker threads are not', () => {
    const m = new LaunchTokenMatcher<LaunchSession>();
    const s = session('1', TOKEN_A);
    m.addSession(s);
    assert.equal(m.addHello(hello(4242, TOKEN_A, false)), undefined, 'a worker thread');
    assert.deepEqual(m.addHello(hello(4242, TOKEN_A)), { session: s, pid: 4242 });
    assert.equal(m.addHello(hello(4243, TOKEN_A)), undefined, 'a child process of the debuggee');
  });

  it('ignores hellos without a token, and sessions without one', () => {
    const m = new LaunchTokenMatcher<LaunchSession>();
    assert.equal(m.addSession(session('1')), undefined);
    assert.equal(m.addHello(hello(4242)), undefined);
    assert.equal(m.addHello(hello(4243, TOKEN_B)), undefined);
  });

  it('forgets a session when it ends, and hellos nobody claimed after a while', () => {
    let now = 0;
    const m = new LaunchTokenMatcher<LaunchSession>(() => now);
    const s = session('1', TOKEN_A);
    m.addSession(s);
    m.removeSession(s);
    assert.equal(m.addHello(hello(4242, TOKEN_A)), undefined);
    now += 60_000;
    assert.equal(m.addSession(session('2', TOKEN_A)), undefined, 'the pending hello expired');
  });
});
