import type { Socket } from 'node:net';
import type * as Fs from 'node:fs';
import type * as Net from 'node:net';
import type * as Path from 'node:path';
import type * as V8 from 'node:v8';
import type * as WorkerThreads from 'node:worker_threads';
import { lazyBuiltin } from './lazyBuiltin';
import {
  AGENT_LAUNCH_TOKEN_ENV,
  AGENT_PROTOCOL_VERSION,
  DEFAULT_REPORT_INTERVAL_MS,
  LAUNCH_TOKEN_PATTERN,
  MAX_SERVER_FRAME_BYTES,
  NdjsonDecoder,
  encodeFrame,
  fitHello,
  parseFrameJson,
  validateFromServer,
  type AgentHello,
  type CostEstimate,
  type FromAgent,
  type FromServer,
  type ServerRequest,
} from './agentProtocol';
import { DiagnosticRecorder, RecorderRefusal } from './DiagnosticRecorder';
import { ErrorObserver } from './ErrorObserver';
import { HandleTracker } from './HandleTracker';
import { PeerDeadline } from './PeerDeadline';
import { VitalsCollector } from './VitalsCollector';

/** Waits between reconnection attempts; after the last one the agent gives up for good. */
const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000, 15_000, 30_000, 30_000, 30_000, 60_000, 60_000, 120_000, 120_000, 300_000];
/** A write still queued this long means the server stopped reading: drop the connection rather than keep the program alive. */
const STUCK_WRITE_MS = 2000;
/** A server must welcome the agent this fast (by default). */
const WELCOME_TIMEOUT_MS = 5000;

/** Where and how an AgentClient connects. */
export interface AgentClientOptions {
  readonly endpoint: string;
  readonly secret: string;
  /** Handle tracking already on since load (PROCESS_VITALS_AGENT_TRACK_HANDLES=1). */
  readonly handleTracker?: HandleTracker;
  /** How long the server may take to welcome the agent; 5 s by default (tests shorten it). */
  readonly welcomeTimeoutMs?: number;
}

/**
 * The agent's connection to Process Vitals: connects (lazily loading `net`), authenticates with
 * its hello, reports vitals while connected, serves requests, and reconnects with backoff when
 * the server goes away. The socket and every timer are unref'd; errors end the connection, never
 * the program.
 */
export class AgentClient {
  private socket: Socket | undefined;
  private decoder = new NdjsonDecoder(MAX_SERVER_FRAME_BYTES);
  private welcomed = false;
  private failures = 0;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private welcomeDeadline: PeerDeadline | undefined;
  private reportTimer: NodeJS.Timeout | undefined;
  private stuckWrite: PeerDeadline | undefined;
  private reportArmedAt = 0;
  private reportIntervalMs = DEFAULT_REPORT_INTERVAL_MS;
  private collector: VitalsCollector | undefined;
  private readonly errors = new ErrorObserver((event) => this.send(event));
  private readonly recorder = new DiagnosticRecorder();
  private readonly handles: HandleTracker;
  private fine = false;

  constructor(private readonly options: AgentClientOptions) {
    this.handles = options.handleTracker ?? new HandleTracker();
  }

  /** Connects after delayMs (an unref'd timer: a program that ends before it never pays for the connection). */
  start(delayMs: number): void {
    this.schedule(delayMs);
  }

  /** Disconnects for good and releases everything. */
  stop(): void {
    this.stopped = true;
    this.endSession();
    this.socket?.destroy();
    this.socket = undefined;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.handles.stop();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delayMs);
    this.reconnectTimer.unref();
  }

  private connect(): void {
    if (this.stopped) return;
    try {
      if (!endpointLooksSafe(this.options.endpoint)) {
        // Nothing listens there (or it is not ours): retry later without loading `net` at all.
        this.onClosed();
        return;
      }
      const net: typeof Net = lazyBuiltin('node:net');
      const socket = net.createConnection(this.options.endpoint);
      socket.unref();
      this.socket = socket;
      this.decoder = new NdjsonDecoder(MAX_SERVER_FRAME_BYTES);
      socket.on('connect', () => {
        this.write(this.hello());
        this.welcomeDeadline = new PeerDeadline(this.options.welcomeTimeoutMs ?? WELCOME_TIMEOUT_MS, () => socket.destroy());
      });
      socket.on('data', (chunk: Buffer) => this.receive(socket, chunk));
      socket.on('error', () => undefined); // 'close' follows; the program must never see our errors.
      socket.on('close', () => {
        if (this.socket === socket) {
          this.socket = undefined;
          this.onClosed();
        }
      });
    } catch {
      this.onClosed();
    }
  }

  private onClosed(): void {
    const wasWelcomed = this.welcomed;
    this.endSession();
    if (this.stopped) return;
    // A session that was up resets the backoff: the extension host reloads, the agent follows.
    if (wasWelcomed) this.failures = 0;
    const delay = RECONNECT_DELAYS_MS[this.failures++];
    if (delay === undefined) {
      this.stop(); // Nobody is listening any more: stay dormant for the rest of the program.
      return;
    }
    this.schedule(delay);
  }

  private endSession(): void {
    this.welcomed = false;
    if (this.reportTimer) clearTimeout(this.reportTimer);
    this.reportTimer = undefined;
    this.welcomeDeadline?.clear();
    this.stuckWrite?.clear();
    this.welcomeDeadline = this.stuckWrite = undefined;
    this.collector?.stop();
    this.collector = undefined;
    this.errors.stop();
    this.recorder.dispose();
  }

  private hello(): AgentHello {
    const { isMainThread, threadId } = lazyBuiltin<typeof WorkerThreads>('node:worker_threads');
    return fitHello({
      type: 'hello',
      version: AGENT_PROTOCOL_VERSION,
      secret: this.options.secret,
      pid: process.pid,
      ppid: process.ppid,
      threadId,
      isMainThread,
      startTime: Math.round(Date.now() - process.uptime() * 1000),
      argv: process.argv.slice(0, 64).map((a) => a.slice(0, 1024)),
      execArgv: process.execArgv.slice(0, 64).map((a) => a.slice(0, 1024)),
      cwd: safeCwd(),
      nodeVersion: process.version.slice(0, 64),
      platform: process.platform,
      arch: process.arch,
      trackingHandlesFromStart: this.handles.tracking && this.options.handleTracker !== undefined,
      heapSizeLimit: lazyBuiltin<typeof V8>('node:v8').getHeapStatistics().heap_size_limit,
      ...launchToken(),
    });
  }

  private receive(socket: Socket, chunk: Buffer): void {
    try {
      const lines = this.decoder.push(chunk);
      if (lines === 'oversized') {
        socket.destroy();
        return;
      }
      for (const line of lines) {
        const parsed = parseFrameJson(line);
        const frame = parsed.ok ? validateFromServer(parsed.value) : parsed;
        if (!frame.ok) {
          socket.destroy(); // Not our server, or not this version of it.
          return;
        }
        this.handle(frame.value);
      }
    } catch {
      socket.destroy();
    }
  }

  private handle(frame: FromServer): void {
    switch (frame.type) {
      case 'welcome':
        if (this.welcomed || frame.version !== AGENT_PROTOCOL_VERSION) {
          this.socket?.destroy();
          return;
        }
        this.welcomed = true;
        this.welcomeDeadline?.clear();
        this.welcomeDeadline = undefined;
        this.reportIntervalMs = frame.reportIntervalMs;
        this.fine = frame.fineDetail;
        this.beginSession();
        break;
      case 'setDetail':
        this.fine = frame.fine;
        this.collector?.setFine(frame.fine);
        break;
      case 'request':
        if (this.welcomed) void this.serve(frame);
        break;
    }
  }

  private beginSession(): void {
    this.errors.start();
    this.collector = new VitalsCollector(this.errors);
    this.collector.setFine(this.fine);
    this.reportArmedAt = performance.now();
    this.reportTimer = setTimeout(() => this.report(), this.reportIntervalMs);
    this.reportTimer.unref();
    // The first report right away: the extension shows the process within a second of its start.
    this.send(this.collector.collect(0));
  }

  private report(): void {
    const timer = this.reportTimer;
    if (!timer || !this.collector) return;
    try {
      const now = performance.now();
      const lateness = now - this.reportArmedAt - this.reportIntervalMs;
      if (this.socket && this.socket.writableLength === 0) this.send(this.collector.collect(lateness));
    } catch {
      // A failed report is skipped; the next one may succeed.
    }
    this.reportArmedAt = performance.now();
    timer.refresh();
  }

  private async serve(request: ServerRequest): Promise<void> {
    const { id } = request;
    const accept = (estimate: CostEstimate) => this.send({ type: 'accepted', id, estimate });
    const instant: CostEstimate = { durationMs: 1, freezeMs: 1, extraMemoryBytes: 0, note: '' };
    try {
      switch (request.kind) {
        case 'heapSnapshot': {
          accept(this.recorder.estimateHeapSnapshot());
          // Let the announcement leave before the program freezes.
          await new Promise((resolve) => setImmediate(resolve));
          this.send({ type: 'result', id, ok: true, kind: 'file', file: await this.recorder.writeHeapSnapshot(request.path) });
          break;
        }
        case 'cpuProfile':
          accept(this.recorder.estimateCpuProfile(request.seconds));
          this.send({ type: 'result', id, ok: true, kind: 'file', file: await this.recorder.recordCpuProfile(request.path, request.seconds) });
          break;
        case 'heapProfile':
          accept(this.recorder.estimateHeapProfile(request.seconds, request.intervalBytes));
          this.send({
            type: 'result', id, ok: true, kind: 'file',
            file: await this.recorder.recordHeapProfile(request.path, request.seconds, request.intervalBytes),
          });
          break;
        case 'startHandleTracking':
          accept({
            ...instant,
            note: 'Records a creation stack for every handle and timer created from now on; this slows a busy program down a lot (up to ~9x CPU per request) until tracking stops.',
          });
          this.handles.start();
          this.send({ type: 'result', id, ok: true, kind: 'done' });
          break;
        case 'stopHandleTracking':
          accept(instant);
          this.handles.stop();
          this.send({ type: 'result', id, ok: true, kind: 'done' });
          break;
        case 'reportHandles':
          accept({ ...instant, note: 'Lists the live handles and timers.' });
          this.send({ type: 'result', id, ok: true, kind: 'handles', handles: this.handles.report() });
          break;
      }
    } catch (error) {
      const message = error instanceof RecorderRefusal ? error.message : `${request.kind} failed: ${describe(error)}`;
      this.send({ type: 'result', id, ok: false, error: message.slice(0, 2000) });
    }
  }

  private send(frame: FromAgent): void {
    if (!this.welcomed && frame.type !== 'hello') return;
    this.write(frame);
  }

  private write(frame: FromAgent): void {
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    try {
      socket.write(encodeFrame(frame));
    } catch {
      socket.destroy();
      return;
    }
    // A queued write is an active request that keeps the program alive: never let it linger.
    if (socket.writableLength > 0 && !this.stuckWrite) {
      this.stuckWrite = new PeerDeadline(STUCK_WRITE_MS, () => {
        this.stuckWrite = undefined;
        if (socket.writableLength > 0) socket.destroy();
      });
    }
  }
}

/**
 * Whether the endpoint exists and looks like ours: on Unix, a socket inside a directory owned by
 * this user that nobody else can write (a path planted elsewhere never gets our secret). Windows
 * pipes are checked by the server's random name only.
 */
export function endpointLooksSafe(endpoint: string): boolean {
  if (process.platform === 'win32') return endpoint.startsWith('\\\\.\\pipe\\') || endpoint.startsWith('\\\\?\\pipe\\');
  try {
    const fs: typeof Fs = lazyBuiltin('node:fs');
    const path: typeof Path = lazyBuiltin('node:path');
    if (!path.isAbsolute(endpoint)) return false;
    const uid = process.getuid?.();
    const socket = fs.lstatSync(endpoint);
    const dir = fs.lstatSync(path.dirname(endpoint));
    if (!socket.isSocket() || !dir.isDirectory()) return false;
    if (uid !== undefined && (dir.uid !== uid || socket.uid !== uid)) return false;
    return (dir.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

/** This program's debug launch token, when the extension's debug configuration provider set one and it looks like one. */
function launchToken(): { launchToken?: string } {
  const token = process.env[AGENT_LAUNCH_TOKEN_ENV];
  return typeof token === 'string' && LAUNCH_TOKEN_PATTERN.test(token) ? { launchToken: token } : {};
}

function safeCwd(): string {
  try {
    return process.cwd().slice(0, 4096);
  } catch {
    return '';
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : typeof error;
}
