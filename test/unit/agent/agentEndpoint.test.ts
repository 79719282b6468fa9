import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentShouldStart } from '../../../src/agent/agent';
import { AGENT_ENDPOINT_ENV, AGENT_SECRET_ENV } from '../../../src/agent/agentProtocol';
import { endpointLooksSafe } from '../../../src/agent/AgentClient';
import {
  MAX_SOCKET_PATH_BYTES,
  UnsafeSocketDirectoryError,
  ensurePrivateDirectory,
  newAgentEndpoint,
  socketDirectoryCandidates,
} from '../../../src/monitor/agents/agentEndpoint';
import { agentRequireOption, nodeOptionsWithAgent } from '../../../src/monitor/agents/agentNodeOptions';

const uid = process.getuid?.();
const posix = process.platform !== 'win32';

describe('agent endpoint', () => {
  let scratch: string;
  beforeEach(() => (scratch = mkdtempSync(join(tmpdir(), 'pv-endpoint-'))));
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  it('prefers XDG_RUNTIME_DIR, then the temp dir, then /tmp', () => {
    const environment = { platform: 'linux' as const, env: { XDG_RUNTIME_DIR: '/run/user/1000' }, tmpdir: '/var/tmp', uid: 1000 };
    assert.deepEqual(socketDirectoryCandidates(environment), ['/run/user/1000/process-vitals', '/var/tmp/process-vitals-1000', '/tmp/process-vitals-1000']);
    assert.deepEqual(socketDirectoryCandidates({ ...environment, env: {} })[0], '/var/tmp/process-vitals-1000');
  });

  (posix ? it : it.skip)('creates a private directory and a short socket path in it', () => {
    const path = newAgentEndpoint({ platform: process.platform, env: { XDG_RUNTIME_DIR: scratch }, tmpdir: tmpdir(), uid });
    assert.ok(path.startsWith(join(scratch, 'process-vitals') + '/'));
    assert.ok(Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES);
    assert.equal(statSync(join(scratch, 'process-vitals')).mode & 0o777, 0o700);
  });

  (posix ? it : it.skip)('falls back when the preferred directory makes the path too long for sun_path', () => {
    const deep = join(scratch, 'x'.repeat(90));
    mkdirSync(deep);
    const path = newAgentEndpoint({ platform: process.platform, env: { XDG_RUNTIME_DIR: deep }, tmpdir: tmpdir(), uid });
    assert.ok(!path.startsWith(deep));
    assert.ok(Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES);
  });

  (posix ? it : it.skip)('refuses a directory that others can enter, or a symbolic link', () => {
    const open = join(scratch, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    assert.throws(() => ensurePrivateDirectory(open, uid), UnsafeSocketDirectoryError);
    const link = join(scratch, 'link');
    const target = join(scratch, 'target');
    mkdirSync(target, { mode: 0o700 });
    symlinkSync(target, link);
    assert.throws(() => ensurePrivateDirectory(link, uid), /symbolic link|not a directory/);
    assert.throws(() => ensurePrivateDirectory(target, (uid ?? 0) + 1), /belongs to uid/);
  });

  it('names a random pipe on Windows', () => {
    const a = newAgentEndpoint({ platform: 'win32', env: {}, tmpdir: 'C:\\Temp', uid: undefined });
    const b = newAgentEndpoint({ platform: 'win32', env: {}, tmpdir: 'C:\\Temp', uid: undefined });
    assert.match(a, /^\\\\\.\\pipe\\process-vitals-[0-9a-f]{32}$/);
    assert.notEqual(a, b);
  });

  (posix ? it : it.skip)('the agent connects only to a socket in a private directory it owns', () => {
    assert.equal(endpointLooksSafe(join(scratch, 'missing.sock')), false);
    assert.equal(endpointLooksSafe('relative.sock'), false);
    const file = join(scratch, 'file.sock');
    writeFileSync(file, '');
    assert.equal(endpointLooksSafe(file), false, 'not a socket');
  });

  it('starts the agent only with an endpoint and a secret, and never in package-manager front ends', () => {
    const env = { [AGENT_ENDPOINT_ENV]: '/run/x.sock', [AGENT_SECRET_ENV]: 's' };
    const table: Array<[NodeJS.ProcessEnv, string[], boolean]> = [
      [{}, ['node', '/app/server.js'], false],
      [{ [AGENT_ENDPOINT_ENV]: '' , [AGENT_SECRET_ENV]: 's' }, ['node', '/app/server.js'], false],
      [{ [AGENT_ENDPOINT_ENV]: '/run/x.sock' }, ['node', '/app/server.js'], false],
      [env, ['node', '/app/server.js'], true],
      [env, ['node'], true],
      [env, ['node', '/usr/lib/node_modules/npm/bin/npm-cli.js', 'run', 'dev'], false],
      [env, ['node', '/usr/bin/npx', 'tsc'], false],
      [env, ['node', 'C:\\Program Files\\nodejs\\node_modules\\npm\\bin\\npm-cli.js'], false],
      [env, ['node', '/app/node_modules/.bin/tsc'], true],
    ];
    for (const [e, argv, expected] of table) assert.equal(agentShouldStart(e, argv), expected, `${JSON.stringify(e)} ${argv.join(' ')}`);
  });
});

describe('NODE_OPTIONS with the agent', () => {
  it('quotes the path as Node parses NODE_OPTIONS', () => {
    assert.equal(agentRequireOption('/a/agent.js'), '--require "/a/agent.js"');
    assert.equal(agentRequireOption('C:\\Users\\Jo Do\\agent.js'), '--require "C:\\\\Users\\\\Jo Do\\\\agent.js"');
    assert.equal(agentRequireOption('/a "b"/agent.js'), '--require "/a \\"b\\"/agent.js"');
  });

  it('prepends to what the user has, once', () => {
    assert.equal(nodeOptionsWithAgent('/a.js', undefined), '--require "/a.js"');
    assert.equal(nodeOptionsWithAgent('/a.js', '--max-old-space-size=100'), '--require "/a.js" --max-old-space-size=100');
    assert.equal(nodeOptionsWithAgent('/a.js', '--require "/a.js" --inspect'), '--require "/a.js" --inspect');
  });

  (posix ? it : it.skip)('is understood by node itself for paths with spaces, quotes and backslashes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pv nodeopts "q" \\b-'));
    try {
      const preload = join(dir, 'pre load.js');
      writeFileSync(preload, 'globalThis.__preloaded = 1;');
      const result = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(globalThis.__preloaded))'], {
        env: { ...process.env, NODE_OPTIONS: nodeOptionsWithAgent(preload, '--no-warnings') },
        encoding: 'utf8',
      });
      assert.equal(result.stderr, '');
      assert.equal(result.stdout, '1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
