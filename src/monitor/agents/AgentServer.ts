import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import {
  AGENT_ENDPOINT_ENV,
  AGENT_PROTOCOL_VERSION,
  AGENT_SECRET_ENV,
  DEFAULT_REPORT_INTERVAL_MS,
  MAX_AGENT_FRAME_BYTES,
  MAX_HELLO_FRAME_BYTES,
  MIN_HEAP_PROFILE_INTERVAL_BYTES,
  NdjsonDecoder,
  encodeFrame,
  parseFrameJson,
  validateFromAgent,
  type AgentErrorEvent,
  type AgentHello,
  type AgentReport,
  type AgentRequestBody,
  type AgentResult,
  type CostEstimate,
  type FileResult,
  type FromAgent,
  type FromServer,
  type HandleReport,
} from '../../agent/agentProtocol';
import { PeerDeadline } from '../../agent/PeerDeadline';
import { Emitter, type Disposable } from '../events';
import { newAgentEndpoint } from './agentEndpoint';

/** A hello must arrive this soon after connecting (by default). */
const AUTH_TIMEOUT_MS = 5000;
/** An agent must announce (accept) a request this soon. */
const ACCEPT_TIMEOUT_MS = 5000;
/** Longest any request may run, whatever its estimate. */
const MAX_REQUEST_MS = 15 * 60_000;
/** Connected agents beyond this are refused (a runaway fork loop must not exhaust the extension host). */
const MAX_PEERS = 512;
/** Frames per second a peer may send before it is taken for a flood. */
const MAX_FRAMES_PER_SECOND = 50;
/** Warnings about dropped peers: at most this many per minute, then one summary. */
const MAX_DROP_WARNINGS_PER_MINUTE = 10;

/** Options of an AgentServer. */
export interface AgentServerOptions {
  /** Endpoint to listen on (socket path or pipe name); a fresh private one by default. Reuse one to let agents reconnect after a reload. */
  readonly endpoint?: string;
  /** Per-session secret; random by default. Reuse it together with the endpoint. */
  readonly secret?: string;
  /** Report period asked of agents. */
  readonly reportIntervalMs?: number;
  /** How long a connected peer may take to say hello; 5 s by default (tests shorten it). */
  readonly helloTimeoutMs?: number;
}

/** A connected, authenticated agent (one per process thread). */
export interface AgentConnectionInfo {
  /** pid:threadId. */
  readonly key: string;
  readonly hello: Omit<AgentHello, 'secret'>;
  readonly connectedAt: number;
  readonly latest: AgentReport | undefined;
}

/** A report and the agent that sent it. */
export interface AgentReportEvent {
  readonly agent: AgentConnectionInfo;
  readonly report: AgentReport;
}

/** An uncaught exception or unhandled rejection an agent observed. */
export interface AgentErrorReportEvent {
  readonly agent: AgentConnectionInfo;
  readonly error: AgentErrorEvent;
}

/** Something the server logs once instead of throwing. */
export interface AgentServerWarning {
  readonly code: 'peer-dropped' | 'too-many-peers' | 'warnings-suppressed' | 'server-error';
  readonly message: string;
}

/** Why a request to an agent failed. */
export class AgentRequestError extends Error {
  constructor(readonly code: 'no-agent' | 'timeout' | 'disconnected' | 'refused', message: string) {
    super(message);
    this.name = 'AgentRequestError';
  }
}

/** Per-request options. */
export interface AgentRequestOptions {
  /** The worker thread to ask; the main thread (0) by default. */
  readonly threadId?: number;
  /** Overall time limit; by default 5 s to accept, then twice the agent's estimate plus 10 s. */
  readonly timeoutMs?: number;
  /** Called with the agent's cost estimate as soon as it accepts. */
  readonly onAccepted?: (estimate: CostEstimate) => void;
}

interface PendingRequest {
  readonly resolve: (result: Extract<AgentResult, { ok: true }>) => void;
  readonly reject: (error: AgentRequestError) => void;
  readonly options: AgentRequestOptions;
  deadline: PeerDeadline;
}

interface Peer {
  readonly socket: Socket;
  readonly decoder: NdjsonDecoder;
  readonly helloDeadline: PeerDeadline;
  info: AgentConnectionInfo | undefined;
  dropped: boolean;
  frameWindowStart: number;
  framesInWindow: number;
  readonly pending: Map<number, PendingRequest>;
}

type MutableInfo = { -readonly [K in keyof AgentConnectionInfo]: AgentConnectionInfo[K] };

/**
 * The extension's end of the agent transport: listens on a private Unix socket (Windows: a named
 * pipe), authenticates each agent by the secret in its first frame, validates every frame, keeps
 * the connected agents by pid and thread, emits typed events, and sends requests with time limits.
 * A peer that sends garbage, an oversized or unauthenticated frame, or floods is dropped and logged once.
 */
export class AgentServer implements Disposable {
  private readonly peers = new Set<Peer>();
  private readonly byKey = new Map<string, Peer>();
  private readonly fineWanted = new Set<number>();
  private readonly secretDigest: Buffer;
  private nextRequestId = 1;
  private disposed = false;
  private warningWindowStart = 0;
  private warningsInWindow = 0;
  private warningsSuppressed = 0;

  private readonly connectEmitter = new Emitter<AgentConnectionInfo>((e) => this.listenerFailed(e));
  private readonly reportEmitter = new Emitter<AgentReportEvent>((e) => this.listenerFailed(e));
  private readonly errorEmitter = new Emitter<AgentErrorReportEvent>((e) => this.listenerFailed(e));
  private readonly disconnectEmitter = new Emitter<AgentConnectionInfo>((e) => this.listenerFailed(e));
  private readonly warningEmitter = new Emitter<AgentServerWarning>();

  /** An agent said hello and was accepted. */
  readonly onDidConnect = this.connectEmitter.event;
  /** An agent sent its periodic vitals. */
  readonly onDidReport = this.reportEmitter.event;
  /** An agent saw an uncaught exception or unhandled rejection in its program. */
  readonly onDidReportError = this.errorEmitter.event;
  /** An authenticated agent's connection ended (its program exited, or it was dropped). */
  readonly onDidDisconnect = this.disconnectEmitter.event;
  /** Problems worth logging once. */
  readonly onWarning = this.warningEmitter.event;

  private constructor(
    private readonly server: Server,
    /** Where agents connect. */
    readonly endpoint: string,
    private readonly secret: string,
    private readonly reportIntervalMs: number,
    private readonly helloTimeoutMs: number,
  ) {
    this.secretDigest = digest(secret);
    server.on('connection', (socket) => this.accept(socket));
    server.on('error', (error) => this.warn('server-error', `agent server: ${error.message}`));
  }

  /** Starts listening; rejects when the endpoint cannot be used (unsafe directory, in use by a live server). */
  static async listen(options: AgentServerOptions = {}): Promise<AgentServer> {
    const endpoint = options.endpoint ?? newAgentEndpoint();
    const secret = options.secret ?? randomBytes(32).toString('hex');
    if (process.platform !== 'win32') await removeStaleSocket(endpoint);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(endpoint, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // The server must not keep a CLI or a test alive on its own.
    server.unref();
    if (process.platform !== 'win32') chmodSync(endpoint, 0o600);
    return new AgentServer(server, endpoint, secret, options.reportIntervalMs ?? DEFAULT_REPORT_INTERVAL_MS, options.helloTimeoutMs ?? AUTH_TIMEOUT_MS);
  }

  /** Environment variables that point agents at this server (add NODE_OPTIONS from nodeOptionsWithAgent()). */
  environment(): Record<string, string> {
    return { [AGENT_ENDPOINT_ENV]: this.endpoint, [AGENT_SECRET_ENV]: this.secret };
  }

  /** Every connected agent. */
  agents(): AgentConnectionInfo[] {
    return [...this.byKey.values()].map((p) => p.info!);
  }

  /** The agent of this process thread (the main thread by default). */
  get(pid: number, threadId = 0): AgentConnectionInfo | undefined {
    return this.byKey.get(agentKey(pid, threadId))?.info;
  }

  /** Fine event-loop detail on or off for every thread of pid, now and when it reconnects. Returns whether an agent of pid is connected. */
  setDetail(pid: number, fine: boolean): boolean {
    if (fine) this.fineWanted.add(pid);
    else this.fineWanted.delete(pid);
    let any = false;
    for (const peer of this.byKey.values()) {
      if (peer.info!.hello.pid === pid) {
        this.send(peer, { type: 'setDetail', fine });
        any = true;
      }
    }
    return any;
  }

  /** GC, then a heap snapshot written by the program to path (absolute, ending in .heapsnapshot). */
  async takeHeapSnapshot(pid: number, path: string, options: AgentRequestOptions = {}): Promise<FileResult> {
    return fileOf(await this.request(pid, { kind: 'heapSnapshot', path }, options));
  }

  /** A CPU profile of `seconds`, written to path (absolute, ending in .cpuprofile). */
  async takeCpuProfile(pid: number, seconds: number, path: string, options: AgentRequestOptions = {}): Promise<FileResult> {
    return fileOf(await this.request(pid, { kind: 'cpuProfile', path, seconds }, options));
  }

  /** A sampling heap profile of `seconds` (interval >= 128 KiB), written to path (absolute, ending in .heapprofile). */
  async takeHeapProfile(pid: number, seconds: number, path: string, options: AgentRequestOptions & { intervalBytes?: number } = {}): Promise<FileResult> {
    const intervalBytes = Math.max(MIN_HEAP_PROFILE_INTERVAL_BYTES, options.intervalBytes ?? MIN_HEAP_PROFILE_INTERVAL_BYTES);
    return fileOf(await this.request(pid, { kind: 'heapProfile', path, seconds, intervalBytes }, options));
  }

  /** Starts recording creation stacks of handles and timers in pid (costly on a busy program: opt-in). */
  async startHandleTracking(pid: number, options: AgentRequestOptions = {}): Promise<void> {
    await this.request(pid, { kind: 'startHandleTracking' }, options);
  }

  /** Stops handle tracking in pid. */
  async stopHandleTracking(pid: number, options: AgentRequestOptions = {}): Promise<void> {
    await this.request(pid, { kind: 'stopHandleTracking' }, options);
  }

  /** The live handles and timers of pid (with creation stacks for those created while tracking). */
  async reportHandles(pid: number, options: AgentRequestOptions = {}): Promise<HandleReport> {
    const result = await this.request(pid, { kind: 'reportHandles' }, options);
    if (result.kind !== 'handles') throw new AgentRequestError('refused', 'the agent answered with something else than a handle report');
    return result.handles;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.server.close();
    for (const peer of [...this.peers]) this.close(peer);
    if (process.platform !== 'win32') {
      try {
        unlinkSync(this.endpoint);
      } catch {
        // Already gone.
      }
    }
    for (const emitter of [this.connectEmitter, this.reportEmitter, this.errorEmitter, this.disconnectEmitter, this.warningEmitter]) emitter.dispose();
  }

  private request(pid: number, body: AgentRequestBody, options: AgentRequestOptions): Promise<Extract<AgentResult, { ok: true }>> {
    const peer = this.byKey.get(agentKey(pid, options.threadId ?? 0));
    if (!peer || this.disposed) {
      return Promise.reject(new AgentRequestError('no-agent', `no Process Vitals agent is connected for process ${pid}`));
    }
    const id = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      const deadline = new PeerDeadline(options.timeoutMs ?? ACCEPT_TIMEOUT_MS, () => this.expire(peer, id));
      peer.pending.set(id, { resolve, reject, options, deadline });
      this.send(peer, { type: 'request', id, ...body } as FromServer);
    });
  }

  private expire(peer: Peer, id: number): void {
    const pending = peer.pending.get(id);
    if (!pending) return;
    peer.pending.delete(id);
    pending.reject(new AgentRequestError('timeout', `process ${peer.info?.hello.pid} did not answer in time`));
  }

  private accept(socket: Socket): void {
    if (this.disposed) {
      socket.destroy();
      return;
    }
    if (this.peers.size >= MAX_PEERS) {
      socket.destroy();
      this.warn('too-many-peers', `refused an agent connection: ${MAX_PEERS} agents are connected already`);
      return;
    }
    const peer: Peer = {
      socket,
      decoder: new NdjsonDecoder(MAX_HELLO_FRAME_BYTES),
      helloDeadline: new PeerDeadline(this.helloTimeoutMs, () => this.drop(peer, 'sent no hello in time')),
      info: undefined,
      dropped: false,
      frameWindowStart: Date.now(),
      framesInWindow: 0,
      pending: new Map(),
    };
    this.peers.add(peer);
    socket.on('data', (chunk: Buffer) => this.receive(peer, chunk));
    socket.on('error', () => undefined); // 'close' follows.
    socket.on('close', () => this.onClose(peer));
  }

  private receive(peer: Peer, chunk: Buffer): void {
    if (peer.dropped) return;
    const lines = peer.decoder.push(chunk);
    if (lines === 'oversized') {
      this.drop(peer, `sent a frame larger than ${peer.info ? MAX_AGENT_FRAME_BYTES : MAX_HELLO_FRAME_BYTES} bytes`);
      return;
    }
    for (const line of lines) {
      if (peer.dropped) return;
      const now = Date.now();
      if (now - peer.frameWindowStart >= 1000) {
        peer.frameWindowStart = now;
        peer.framesInWindow = 0;
      }
      if (++peer.framesInWindow > MAX_FRAMES_PER_SECOND) {
        this.drop(peer, `sent more than ${MAX_FRAMES_PER_SECOND} frames in a second`);
        return;
      }
      const parsed = parseFrameJson(line);
      if (!parsed.ok) {
        this.drop(peer, 'sent a frame that is not JSON');
        return;
      }
      const frame = validateFromAgent(parsed.value);
      if (!frame.ok) {
        this.drop(peer, `sent an invalid frame (${frame.reason})`);
        return;
      }
      this.handle(peer, frame.value);
    }
  }

  private handle(peer: Peer, frame: FromAgent): void {
    if (!peer.info) {
      if (frame.type !== 'hello') return this.drop(peer, 'sent a frame before its hello');
      if (frame.version !== AGENT_PROTOCOL_VERSION) return this.drop(peer, `speaks protocol version ${frame.version}, not ${AGENT_PROTOCOL_VERSION}`);
      if (!timingSafeEqual(digest(frame.secret), this.secretDigest)) return this.drop(peer, 'presented a wrong secret');
      peer.helloDeadline.clear();
      const { secret: _secret, ...hello } = frame;
      const key = agentKey(hello.pid, hello.threadId);
      const previous = this.byKey.get(key);
      if (previous) this.close(previous); // A reconnect that beat the old connection's close.
      peer.info = { key, hello, connectedAt: Date.now(), latest: undefined };
      peer.decoder.setLimit(MAX_AGENT_FRAME_BYTES);
      this.byKey.set(key, peer);
      this.send(peer, { type: 'welcome', version: AGENT_PROTOCOL_VERSION, reportIntervalMs: this.reportIntervalMs, fineDetail: this.fineWanted.has(hello.pid) });
      this.connectEmitter.fire(peer.info);
      return;
    }
    switch (frame.type) {
      case 'hello':
        return this.drop(peer, 'sent a second hello');
      case 'report':
        (peer.info as MutableInfo).latest = frame;
        this.reportEmitter.fire({ agent: peer.info, report: frame });
        return;
      case 'error':
        this.errorEmitter.fire({ agent: peer.info, error: frame });
        return;
      case 'accepted': {
        const pending = peer.pending.get(frame.id);
        if (!pending) return;
        pending.deadline.clear();
        const limitMs = pending.options.timeoutMs ?? Math.min(MAX_REQUEST_MS, frame.estimate.durationMs * 2 + 10_000);
        pending.deadline = new PeerDeadline(limitMs, () => this.expire(peer, frame.id));
        try {
          pending.options.onAccepted?.(frame.estimate);
        } catch (error) {
          this.listenerFailed(error);
        }
        return;
      }
      case 'result': {
        const pending = peer.pending.get(frame.id);
        if (!pending) return;
        peer.pending.delete(frame.id);
        pending.deadline.clear();
        if (frame.ok) pending.resolve(frame);
        else pending.reject(new AgentRequestError('refused', frame.error));
        return;
      }
    }
  }

  private send(peer: Peer, frame: FromServer): void {
    if (peer.dropped || peer.socket.destroyed) return;
    peer.socket.write(encodeFrame(frame));
  }

  /** Ends a misbehaving peer's connection and logs why, once. */
  private drop(peer: Peer, reason: string): void {
    if (peer.dropped) return;
    const who = peer.info ? `agent of process ${peer.info.hello.pid} (thread ${peer.info.hello.threadId})` : 'an unauthenticated peer';
    this.close(peer);
    this.warn('peer-dropped', `dropped ${who}: it ${reason}`);
  }

  private close(peer: Peer): void {
    peer.dropped = true;
    peer.socket.destroy();
    this.onClose(peer);
  }

  private onClose(peer: Peer): void {
    if (!this.peers.delete(peer)) return;
    peer.dropped = true;
    peer.helloDeadline.clear();
    for (const [id, pending] of peer.pending) {
      pending.deadline.clear();
      pending.reject(new AgentRequestError('disconnected', `the agent of process ${peer.info?.hello.pid} disconnected (request ${id})`));
    }
    peer.pending.clear();
    if (peer.info && this.byKey.get(peer.info.key) === peer) {
      this.byKey.delete(peer.info.key);
      if (!this.disposed) this.disconnectEmitter.fire(peer.info);
    }
  }

  private warn(code: AgentServerWarning['code'], message: string): void {
    const now = Date.now();
    if (now - this.warningWindowStart >= 60_000) {
      if (this.warningsSuppressed > 0) {
        this.warningEmitter.fire({ code: 'warnings-suppressed', message: `${this.warningsSuppressed} more agent connection warnings were suppressed` });
      }
      this.warningWindowStart = now;
      this.warningsInWindow = 0;
      this.warningsSuppressed = 0;
    }
    if (++this.warningsInWindow > MAX_DROP_WARNINGS_PER_MINUTE) {
      this.warningsSuppressed++;
      return;
    }
    this.warningEmitter.fire({ code, message });
  }

  private listenerFailed(error: unknown): void {
    this.warningEmitter.fire({ code: 'server-error', message: `an agent server listener threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}` });
  }
}

/** The key of one agent connection. */
export function agentKey(pid: number, threadId: number): string {
  return `${pid}:${threadId}`;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function fileOf(result: Extract<AgentResult, { ok: true }>): FileResult {
  if (result.kind !== 'file') throw new AgentRequestError('refused', 'the agent answered with something else than a file');
  return result.file;
}

/** Removes a socket file left by a server that is gone; refuses when one still answers there. */
async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // Nothing there.
  }
  if (!isSocket) throw new Error(`${path} exists and is not a socket`);
  const alive = await new Promise<boolean>((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another Process Vitals server is listening on ${path}`);
  unlinkSync(path);
}
