import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { AGENT_SECRET_ENV, encodeFrame, type AgentHello } from '../../../src/agent/agentProtocol';
import { AgentServer, type AgentServerWarning } from '../../../src/monitor/agents/AgentServer';
import { nextEvent } from './agentPrograms';
import { VALID_HELLO, VALID_REPORT } from './agentFrames';

/** A hand-driven peer: sends whatever the test wants and tells when the server closed it. */
class RawPeer {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  received = '';

  constructor(endpoint: string) {
    this.socket = createConnection(endpoint);
    this.socket.on('error', () => undefined);
    this.socket.on('data', (b: Buffer) => (this.received += b.toString()));
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  /** Writes, ignoring a server that already hung up. */
  send(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data, () => undefined);
  }
}

/** A seeded PRNG so a failing fuzz case can be replayed. */
function xorshift(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('AgentServer under hostile input', function () {
  this.timeout(60_000);
  let server: AgentServer;
  let warnings: AgentServerWarning[];
  let secret: string;

  beforeEach(async () => {
    server = await AgentServer.listen();
    secret = server.environment()[AGENT_SECRET_ENV];
    warnings = [];
    server.onWarning((w) => warnings.push(w));
  });
  afterEach(() => server.dispose());

  const hello = (patch: Partial<AgentHello> = {}) => encodeFrame({ ...VALID_HELLO, secret, ...patch });

  /** Checks that a well-behaved agent is still served after the abuse. */
  async function goodAgentStillWorks(pid = 4242): Promise<void> {
    const peer = new RawPeer(server.endpoint);
    const connected = nextEvent(server.onDidConnect, (i) => i.hello.pid === pid);
    peer.send(hello({ pid }));
    await connected;
    const reported = nextEvent(server.onDidReport, (e) => e.agent.hello.pid === pid);
    peer.send(encodeFrame(VALID_REPORT));
    assert.equal((await reported).report.seq, VALID_REPORT.seq);
    while (!peer.received.includes('\n')) await new Promise((r) => setTimeout(r, 10));
    assert.match(peer.received, /^\{"type":"welcome"/);
    peer.socket.destroy();
  }

  const hostile: Array<{ name: string; frames: () => Array<string | Buffer>; authenticated?: boolean }> = [
    { name: 'random bytes', frames: () => [randomBytes(4096)] },
    { name: 'random bytes with newlines', frames: () => [Buffer.concat([randomBytes(100), Buffer.from('\n'), randomBytes(100), Buffer.from('\n')])] },
    { name: 'a wrong secret', frames: () => [hello({ secret: 'guess' })] },
    { name: 'an empty secret', frames: () => [hello({ secret: '' })] },
    { name: 'a report before the hello', frames: () => [encodeFrame(VALID_REPORT)] },
    { name: 'another protocol version', frames: () => [hello({ version: 99 })] },
    { name: 'a huge line before authenticating', frames: () => ['{"type":"hello","argv":["' + 'x'.repeat(100_000) + '"]}\n'] },
    { name: 'a newline-free flood', frames: () => Array.from({ length: 64 }, () => 'x'.repeat(16 * 1024)) },
    { name: 'deeply nested JSON', frames: () => ['['.repeat(20_000) + ']'.repeat(20_000) + '\n'] },
    { name: 'wrong types in the hello', frames: () => [JSON.stringify({ ...VALID_HELLO, secret, pid: 'self' }) + '\n'] },
    { name: 'an empty line', frames: () => ['\n'] },
    { name: 'a second hello', authenticated: true, frames: () => [hello()] },
    { name: 'a report with wrong types', authenticated: true, frames: () => [JSON.stringify({ ...VALID_REPORT, memory: 'lots' }) + '\n'] },
    { name: 'an oversized report', authenticated: true, frames: () => ['{"type":"report","pad":"' + 'y'.repeat(1_100_000) + '"}\n'] },
    { name: 'a frame flood', authenticated: true, frames: () => [encodeFrame(VALID_REPORT).repeat(200)] },
  ];

  for (const c of hostile) {
    it(`drops a peer that sends ${c.name}, logs it once, and keeps serving`, async () => {
      const peer = new RawPeer(server.endpoint);
      if (c.authenticated) {
        const connected = nextEvent(server.onDidConnect);
        peer.send(hello({ pid: 777 }));
        await connected;
      }
      for (const frame of c.frames()) peer.send(frame);
      // Whatever else it sends after being judged changes nothing.
      peer.send('more garbage\n');
      await peer.closed;
      await new Promise((r) => setImmediate(r));
      const drops = warnings.filter((w) => w.code === 'peer-dropped');
      assert.equal(drops.length, 1, JSON.stringify(warnings));
      assert.ok(!peer.received.includes('welcome') || c.authenticated, 'an unauthenticated peer never hears from the server');
      assert.equal(server.get(777), undefined);
      await goodAgentStillWorks();
    });
  }

  it('accepts a valid hello carrying __proto__ keys without letting them through', async () => {
    const peer = new RawPeer(server.endpoint);
    const connected = nextEvent(server.onDidConnect);
    peer.send(hello({ pid: 31337 }).replace('{', '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}},'));
    const info = await connected;
    assert.equal((info.hello as unknown as Record<string, unknown>).isAdmin, undefined);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
    assert.equal(({} as Record<string, unknown>).x, undefined);
    peer.socket.destroy();
  });

  it('drops a peer that never says hello (after its grace time)', async () => {
    const peer = new RawPeer(server.endpoint);
    await peer.closed;
    assert.match(warnings[0].message, /no hello/);
    await goodAgentStillWorks();
  });

  it('survives a seeded storm of random and mutated frames from many peers', async () => {
    const random = xorshift(0x5eed);
    const valid = [hello(), encodeFrame(VALID_REPORT)];
    const peers: RawPeer[] = [];
    for (let i = 0; i < 40; i++) {
      const peer = new RawPeer(server.endpoint);
      peers.push(peer);
      const base = valid[Math.floor(random() * valid.length)];
      const bytes = Buffer.from(base);
      // Flip a few bytes, cut, or duplicate: near-valid input finds more bugs than pure noise.
      for (let k = 0; k < 1 + Math.floor(random() * 4); k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      peer.send(random() < 0.5 ? bytes : bytes.subarray(0, Math.floor(random() * bytes.length)));
      peer.send('\n');
    }
    await new Promise((r) => setTimeout(r, 300));
    for (const peer of peers) peer.socket.destroy();
    await Promise.all(peers.map((p) => p.closed));
    // The warning budget caps the log however many peers misbehave.
    assert.ok(warnings.length <= 11, `${warnings.length} warnings`);
    await goodAgentStillWorks(5151);
  });

  it('rejects pending requests when the agent goes away, and requests to unknown processes at once', async () => {
    await assert.rejects(server.reportHandles(123456), /no Process Vitals agent/);
    const peer = new RawPeer(server.endpoint);
    const connected = nextEvent(server.onDidConnect);
    peer.send(hello({ pid: 999 }));
    await connected;
    const pending = server.reportHandles(999);
    peer.socket.destroy();
    await assert.rejects(pending, (e: Error & { code?: string }) => e.code === 'disconnected');
  });

  it('times out a request an agent never answers', async () => {
    const peer = new RawPeer(server.endpoint);
    const connected = nextEvent(server.onDidConnect);
    peer.send(hello({ pid: 998 }));
    await connected;
    await assert.rejects(server.reportHandles(998, { timeoutMs: 200 }), (e: Error & { code?: string }) => e.code === 'timeout');
    peer.socket.destroy();
  });

  it('removes its socket file when disposed', () => {
    assert.equal(existsSync(server.endpoint), true);
    server.dispose();
    assert.equal(existsSync(server.endpoint), false);
  });
});
