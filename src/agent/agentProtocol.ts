/**
 * The wire protocol between the Node agent (dist/agent.js, inside monitored programs) and the
 * AgentServer (src/monitor/agents, in the extension host or the CLI). Imported by both sides; it
 * imports nothing outside src/agent, so the agent bundle stays dependency-free.
 *
 * Framing: NDJSON, one UTF-8 JSON object per '\n'-terminated line, each at most a fixed size.
 * Session: the agent connects and sends `hello` (with the per-session secret) as its first frame;
 * the server checks it in constant time and answers `welcome`, or closes. Then the agent sends a
 * `report` about once a second; the server may send `setDetail` and `request`s, which the agent
 * answers with `accepted` (the announced cost) and then `result`. Everything received is untrusted
 * and goes through the validators below before use; the validators build fresh objects and never
 * copy unknown keys, so hostile keys (`__proto__`, `constructor`) cannot reach our objects.
 */

/** Bumped whenever a frame's shape changes incompatibly; a peer with another version is refused. */
export const AGENT_PROTOCOL_VERSION = 1;

export { AGENT_ENDPOINT_ENV, AGENT_LAUNCH_TOKEN_ENV, AGENT_SECRET_ENV, AGENT_TRACK_HANDLES_ENV } from './agentEnvironment';

/** Largest frame an agent may send once authenticated (a handle report is the biggest). */
export const MAX_AGENT_FRAME_BYTES = 1024 * 1024;
/** Largest first frame (the hello) a not-yet-authenticated peer may send. */
export const MAX_HELLO_FRAME_BYTES = 32 * 1024;
/** Largest frame the server may send to an agent. */
export const MAX_SERVER_FRAME_BYTES = 64 * 1024;

/** Default report period of an agent. */
export const DEFAULT_REPORT_INTERVAL_MS = 1000;
/** monitorEventLoopDelay resolution while nobody looks closely at a process (11 wake-ups/s at most, and only while busy). */
export const COARSE_LOOP_DELAY_RESOLUTION_MS = 100;
/** monitorEventLoopDelay resolution while the extension asks for detail on a process. */
export const FINE_LOOP_DELAY_RESOLUTION_MS = 20;
/** Smallest sampling heap profiler interval accepted (smaller intervals cost several % of throughput). */
export const MIN_HEAP_PROFILE_INTERVAL_BYTES = 128 * 1024;
/** Longest CPU or heap profile an agent will record. */
export const MAX_PROFILE_SECONDS = 300;

/** A debug launch token as the extension makes them (AGENT_LAUNCH_TOKEN_ENV): 16 to 64 characters of [A-Za-z0-9_-]. */
export const LAUNCH_TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** GC kinds as perf_hooks reports them (`entry.detail.kind`). */
export type GcKind = 'minor' | 'major' | 'incremental' | 'weakCallbacks';
/** Every GC kind, in report order. */
export const GC_KINDS: readonly GcKind[] = ['minor', 'major', 'incremental', 'weakCallbacks'];

// ---------------------------------------------------------------------------------------------
// Agent -> server

/** First frame of every connection: who the agent is, and the secret. */
export interface AgentHello {
  readonly type: 'hello';
  readonly version: number;
  readonly secret: string;
  readonly pid: number;
  readonly ppid: number;
  /** 0 on the main thread; a worker thread's agent has its own connection and threadId. */
  readonly threadId: number;
  readonly isMainThread: boolean;
  /** Process start, ms since the epoch (performance.timeOrigin of the main thread), for matching OS samples. */
  readonly startTime: number;
  /** process.argv, truncated (at most 64 entries of at most 1024 characters), shortened further when the hello would not fit MAX_HELLO_FRAME_BYTES (fitHello). */
  readonly argv: readonly string[];
  readonly execArgv: readonly string[];
  readonly cwd: string;
  readonly nodeVersion: string;
  readonly platform: string;
  readonly arch: string;
  /** Whether handle tracking has been on since the program started (every handle has a stack). */
  readonly trackingHandlesFromStart: boolean;
  /** V8's heap size limit (v8.getHeapStatistics().heap_size_limit), bytes: lets the leak detector project time to out-of-memory. Older agents omit it. */
  readonly heapSizeLimit?: number;
  /**
   * The PROCESS_VITALS_LAUNCH token of the debug launch that started this program (set per launch by
   * the extension's debug configuration provider), so the debug session knows its debuggee at hello.
   */
  readonly launchToken?: string;
}

/** Memory as process.memoryUsage() reports it, bytes. */
export interface AgentMemory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** Cumulative GC figures of one kind since the agent started. */
export interface GcKindTotals {
  readonly count: number;
  readonly pauseMs: number;
}

/**
 * How a busy process's GC figures were gathered. The agent observes every GC while the process
 * collects rarely; above a GC rate it observes one report interval in a few (all of them while fine
 * detail is on), because Node builds a performance entry per GC and a busy server collects tens
 * of times a second. For the other intervals minor, incremental and weak-callback GCs (count and
 * pause) are estimated from the observed ones per ms of the program's CPU time; major GCs are still
 * detected one by one with the heap after each measured, but several close together may count as
 * one, and their pause is the mean observed one.
 */
export interface GcSampling {
  /** Share of the time since the agent started during which every GC was observed, 0..1. */
  readonly observedFraction: number;
  /** Whether every GC of this report's interval was observed (false: its figures hold estimates). */
  readonly intervalObserved: boolean;
}

/** Event-loop delay over the last report interval, in ms. */
export interface LoopDelay {
  /** 'histogram': monitorEventLoopDelay at resolutionMs; 'timer': one sample, the lateness of the report timer (idle process). */
  readonly source: 'histogram' | 'timer';
  readonly resolutionMs: number;
  readonly samples: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** HTTP server figures over the last report interval (diagnostics_channel). */
export interface HttpServerInterval {
  readonly requests: number;
  /** Responses finished, by status class. */
  readonly status1xx: number;
  readonly status2xx: number;
  readonly status3xx: number;
  readonly status4xx: number;
  readonly status5xx: number;
  /** Request start to response finish, ms; 0 when no request finished. */
  readonly latencyP50Ms: number;
  readonly latencyP90Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
  /**
   * How long the server was observed for these figures, ms. HTTP is sampled (one report interval in
   * every few, all of them while fine detail is on) because observing every request costs a busy
   * server several percent; between samples the newest sample is repeated. Older agents omit it.
   */
  readonly observedMs?: number;
  /** When that observation ended, ms since the epoch. */
  readonly observedAt?: number;
}

/** The periodic vitals report. */
export interface AgentReport {
  readonly type: 'report';
  readonly seq: number;
  /** ms since the epoch. */
  readonly time: number;
  /** Actual ms since the previous report (or since start). */
  readonly intervalMs: number;
  readonly memory: AgentMemory;
  /** Used heap right after the last major GC (the old generation's use read just after it), or null before the first one. */
  readonly heapAfterGc: number | null;
  /** Cumulative GC figures by kind; while `gcSampling` is present they include estimates. */
  readonly gc: Readonly<Record<GcKind, GcKindTotals>>;
  /** Present once some GCs went unobserved (the process collected often): how much was observed. Older agents omit it. */
  readonly gcSampling?: GcSampling;
  /** Event-loop utilization over the interval, 0..1. */
  readonly eventLoopUtilization: number;
  readonly eventLoopDelay: LoopDelay;
  /** process.getActiveResourcesInfo() counted by type (at most 64 types). */
  readonly activeResources: Readonly<Record<string, number>>;
  /** null until the process has served an HTTP request. */
  readonly http: HttpServerInterval | null;
  /** Cumulative counts; observed, never handled. */
  readonly uncaughtExceptions: number;
  readonly unhandledRejections: number;
  /** Whether fine event-loop detail is on. */
  readonly fineDetail: boolean;
}

/** Sent at once when the program meets an uncaught exception or an unhandled rejection. */
export interface AgentErrorEvent {
  readonly type: 'error';
  readonly kind: 'uncaughtException' | 'unhandledRejection';
  /** Whether the process is about to exit because of it (no handler). */
  readonly fatal: boolean;
  /** First line of the error, truncated. */
  readonly message: string;
}

/** What a request will cost, announced before the work starts. */
export interface CostEstimate {
  /** Expected wall time of the whole request, ms. */
  readonly durationMs: number;
  /** How long the program will be frozen (a heap snapshot stops the world), ms. */
  readonly freezeMs: number;
  /** Extra memory the program will need while it runs, bytes. */
  readonly extraMemoryBytes: number;
  /** One sentence for the user. */
  readonly note: string;
}

/** The agent took a request on and is starting it. */
export interface AgentAccepted {
  readonly type: 'accepted';
  readonly id: number;
  readonly estimate: CostEstimate;
}

/**
 * async_hooks types of the resources that can keep a process alive (handles and timers), mapped to
 * the names process.getActiveResourcesInfo() uses for them. Promises, ticks and one-shot requests
 * are not tracked: they are the bulk of async resources and never the reason a process hangs.
 */
export const ASYNC_RESOURCE_NAMES: Readonly<Record<string, string>> = {
  Timeout: 'Timeout',
  Immediate: 'Immediate',
  TCPWRAP: 'TCPSocketWrap',
  TCPSERVERWRAP: 'TCPServerWrap',
  PIPEWRAP: 'PipeWrap',
  PIPESERVERWRAP: 'PipeServerWrap',
  TTYWRAP: 'TTYWrap',
  UDPWRAP: 'UDPWrap',
  FSEVENTWRAP: 'FSEventWrap',
  STATWATCHER: 'StatWatcher',
  PROCESSWRAP: 'ProcessWrap',
  SIGNALWRAP: 'SignalWrap',
  MESSAGEPORT: 'MessagePort',
  WORKER: 'Worker',
  HTTP2SESSION: 'Http2Session',
};

/** A live handle or timer in a handle report. */
export interface LiveHandle {
  /** async_hooks resource type: Timeout, Immediate, TCPWRAP, TCPSERVERWRAP, PIPEWRAP, FSEVENTWRAP, ... */
  readonly type: string;
  /** Whether it keeps the event loop alive; null when it cannot tell. */
  readonly hasRef: boolean | null;
  /** Timers: the delay in ms, and whether it repeats (setInterval). */
  readonly timerDelayMs?: number;
  readonly timerRepeats?: boolean;
  /** Creation stack, user frames first (node: internals and the agent left out), at most 12 frames. */
  readonly stack: readonly StackFrame[];
  /** How many live resources share this type and stack (identical ones are grouped). */
  readonly count: number;
}

/** One frame of a creation stack. */
export interface StackFrame {
  readonly functionName: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** The answer to reportHandles. */
export interface HandleReport {
  readonly tracking: boolean;
  /** When tracking started, ms since the epoch (0 when it is off). */
  readonly trackingSince: number;
  readonly handles: readonly LiveHandle[];
  /** Live resources of each type created before tracking began: they have no creation stack. */
  readonly untracked: Readonly<Record<string, number>>;
  /** Why `untracked` exists and what to do about it, for the user. */
  readonly note: string;
  /** True when the list was cut at the size limit. */
  readonly truncated: boolean;
}

/** What a file-producing request wrote. */
export interface FileResult {
  readonly path: string;
  readonly bytes: number;
  readonly durationMs: number;
}

/** The outcome of a request. */
export type AgentResult =
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly kind: 'file'; readonly file: FileResult }
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly kind: 'handles'; readonly handles: HandleReport }
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly kind: 'done' }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: string };

/** Every frame an agent sends. */
export type FromAgent = AgentHello | AgentReport | AgentErrorEvent | AgentAccepted | AgentResult;

// ---------------------------------------------------------------------------------------------
// Server -> agent

/** The server accepted the hello. */
export interface ServerWelcome {
  readonly type: 'welcome';
  readonly version: number;
  readonly reportIntervalMs: number;
  readonly fineDetail: boolean;
}

/** Fine event-loop detail on or off (on while a user looks at this process). */
export interface ServerSetDetail {
  readonly type: 'setDetail';
  readonly fine: boolean;
}

/** The work a server can ask of an agent. */
export type AgentRequestBody =
  | { readonly kind: 'heapSnapshot'; readonly path: string }
  | { readonly kind: 'cpuProfile'; readonly path: string; readonly seconds: number }
  | { readonly kind: 'heapProfile'; readonly path: string; readonly seconds: number; readonly intervalBytes: number }
  | { readonly kind: 'startHandleTracking' }
  | { readonly kind: 'stopHandleTracking' }
  | { readonly kind: 'reportHandles' };

/** A request with its id (answered by `accepted` then `result` with the same id). */
export type ServerRequest = { readonly type: 'request'; readonly id: number } & AgentRequestBody;

/** Every frame a server sends. */
export type FromServer = ServerWelcome | ServerSetDetail | ServerRequest;

/** Longest command-line entry a hello keeps, and the entry lengths it falls back to when the frame is too big. */
const HELLO_ENTRY_LENGTHS = [1024, 256, 64] as const;

/**
 * The hello with its command line shortened until its frame fits MAX_HELLO_FRAME_BYTES, which the
 * server enforces before the peer is authenticated: 64 arguments of 1 KB (a long JSON argument, a
 * generated file list) would otherwise be dropped on every attempt. Entries are cut shorter first
 * (programs are told apart by their first characters), then the last ones are replaced by one
 * "... N more" entry, execArgv's before argv's; argv[0] and argv[1] (node and the script) stay.
 */
export function fitHello(hello: AgentHello, maxBytes = MAX_HELLO_FRAME_BYTES): AgentHello {
  const fits = (h: AgentHello) => Buffer.byteLength(encodeFrame(h)) <= maxBytes;
  if (fits(hello)) return hello;
  const clip = (entries: readonly string[], length: number) => entries.map((a) => (a.length > length ? `${a.slice(0, length - 1)}\u2026` : a));
  let fitted = hello;
  for (const length of HELLO_ENTRY_LENGTHS) {
    fitted = { ...hello, argv: clip(hello.argv, length), execArgv: clip(hello.execArgv, length) };
    if (fits(fitted)) return fitted;
  }
  // Still too big with the shortest entries: keep fewer of them, execArgv's first.
  const shortest = fitted;
  const withMore = (entries: readonly string[], keep: number) => (keep >= entries.length ? entries : [...entries.slice(0, keep), `\u2026 ${entries.length - keep} more`]);
  for (let keep = shortest.execArgv.length - 1; keep >= 0 && !fits(fitted); keep--) fitted = { ...fitted, execArgv: withMore(shortest.execArgv, keep) };
  for (let keep = shortest.argv.length - 1; keep >= 2 && !fits(fitted); keep--) fitted = { ...fitted, argv: withMore(shortest.argv, keep) };
  return fitted;
}

// ---------------------------------------------------------------------------------------------
// Framing

/** Serializes one frame as an NDJSON line. */
export function encodeFrame(frame: FromAgent | FromServer): string {
  return JSON.stringify(frame) + '\n';
}

/** Why a byte stream could not be split into frames. */
export type FramingError = 'oversized';

/**
 * Splits a byte stream into lines of at most maxBytes (excluding the '\n'). Bytes are kept as
 * Buffers until a line is complete, so a UTF-8 character split across chunks is decoded whole.
 */
export class NdjsonDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private maxBytes: number) {}

  /** Changes the limit (after authentication the server allows larger frames). */
  setLimit(maxBytes: number): void {
    this.maxBytes = maxBytes;
  }

  /** Feeds a chunk; returns the complete lines, or 'oversized' when a line exceeds the limit (the stream is then unusable). */
  push(chunk: Buffer): string[] | FramingError {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      if (newline === -1) break;
      const piece = chunk.subarray(start, newline);
      if (this.pendingBytes + piece.length > this.maxBytes) return 'oversized';
      if (this.pendingBytes) {
        this.pending.push(piece);
        lines.push(Buffer.concat(this.pending, this.pendingBytes + piece.length).toString('utf8'));
        this.pending = [];
        this.pendingBytes = 0;
      } else {
        lines.push(piece.toString('utf8'));
      }
      start = newline + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (this.pendingBytes + rest.length > this.maxBytes) return 'oversized';
      // Copy: the caller's chunk may be a pooled buffer that is reused.
      this.pending.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
    }
    return lines;
  }

  /** Bytes held for an incomplete line. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }
}

// ---------------------------------------------------------------------------------------------
// Validation

/** A validated value, or why it was refused. */
export type Validated<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

class Invalid extends Error {}

function fail(reason: string): never {
  throw new Invalid(reason);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function num(value: unknown, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) fail(`${what} is not a number in [${min}, ${max}]`);
  return value;
}

function int(value: unknown, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = num(value, what, min, max);
  if (!Number.isInteger(n)) fail(`${what} is not an integer`);
  return n;
}

function str(value: unknown, what: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length > maxLength) fail(`${what} is not a string of at most ${maxLength} characters`);
  return value;
}

function bool(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') fail(`${what} is not a boolean`);
  return value;
}

function strings(value: unknown, what: string, maxItems: number, maxLength: number): string[] {
  if (!Array.isArray(value) || value.length > maxItems) fail(`${what} is not an array of at most ${maxItems} items`);
  return value.map((item, i) => str(item, `${what}[${i}]`, maxLength));
}

const SAFE_KEY = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A string -> count map with bounded, harmless keys, built on a null prototype. */
function counts(value: unknown, what: string, maxKeys: number): Record<string, number> {
  const source = record(value, what);
  const keys = Object.keys(source);
  if (keys.length > maxKeys) fail(`${what} has more than ${maxKeys} keys`);
  const out = Object.create(null) as Record<string, number>;
  for (const key of keys) {
    if (!SAFE_KEY.test(key) || FORBIDDEN_KEYS.has(key)) fail(`${what} has a forbidden key`);
    out[key] = int(source[key], `${what}.${key}`);
  }
  return out;
}

function run<T>(build: () => T): Validated<T> {
  try {
    return { ok: true, value: build() };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, reason: error.message };
    return { ok: false, reason: `invalid frame: ${String(error)}` };
  }
}

/** Parses one line as JSON; never throws. */
export function parseFrameJson(line: string): Validated<unknown> {
  try {
    return { ok: true, value: JSON.parse(line) as unknown };
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
}

function validateHello(f: Record<string, unknown>): AgentHello {
  return {
    type: 'hello',
    version: int(f.version, 'version'),
    secret: str(f.secret, 'secret', 256),
    pid: int(f.pid, 'pid', 1, 2 ** 32),
    ppid: int(f.ppid, 'ppid', 0, 2 ** 32),
    threadId: int(f.threadId, 'threadId', 0, 2 ** 32),
    isMainThread: bool(f.isMainThread, 'isMainThread'),
    startTime: num(f.startTime, 'startTime'),
    argv: strings(f.argv, 'argv', 64, 1024),
    execArgv: strings(f.execArgv, 'execArgv', 64, 1024),
    cwd: str(f.cwd, 'cwd', 4096),
    nodeVersion: str(f.nodeVersion, 'nodeVersion', 64),
    platform: str(f.platform, 'platform', 32),
    arch: str(f.arch, 'arch', 32),
    trackingHandlesFromStart: bool(f.trackingHandlesFromStart, 'trackingHandlesFromStart'),
    ...(f.heapSizeLimit !== undefined ? { heapSizeLimit: int(f.heapSizeLimit, 'heapSizeLimit', 1) } : {}),
    ...(f.launchToken !== undefined ? { launchToken: launchToken(f.launchToken) } : {}),
  };
}


function launchToken(value: unknown): string {
  const token = str(value, 'launchToken', 64);
  if (!LAUNCH_TOKEN_PATTERN.test(token)) fail('launchToken is not a launch token');
  return token;
}

function validateLoopDelay(value: unknown): LoopDelay {
  const d = record(value, 'eventLoopDelay');
  const source = d.source === 'histogram' || d.source === 'timer' ? d.source : fail('eventLoopDelay.source is unknown');
  return {
    source,
    resolutionMs: num(d.resolutionMs, 'eventLoopDelay.resolutionMs'),
    samples: int(d.samples, 'eventLoopDelay.samples'),
    min: num(d.min, 'eventLoopDelay.min'),
    mean: num(d.mean, 'eventLoopDelay.mean'),
    p50: num(d.p50, 'eventLoopDelay.p50'),
    p90: num(d.p90, 'eventLoopDelay.p90'),
    p99: num(d.p99, 'eventLoopDelay.p99'),
    max: num(d.max, 'eventLoopDelay.max'),
  };
}

function validateHttp(value: unknown): HttpServerInterval | null {
  if (value === null) return null;
  const h = record(value, 'http');
  return {
    requests: int(h.requests, 'http.requests'),
    status1xx: int(h.status1xx, 'http.status1xx'),
    status2xx: int(h.status2xx, 'http.status2xx'),
    status3xx: int(h.status3xx, 'http.status3xx'),
    status4xx: int(h.status4xx, 'http.status4xx'),
    status5xx: int(h.status5xx, 'http.status5xx'),
    latencyP50Ms: num(h.latencyP50Ms, 'http.latencyP50Ms'),
    latencyP90Ms: num(h.latencyP90Ms, 'http.latencyP90Ms'),
    latencyP99Ms: num(h.latencyP99Ms, 'http.latencyP99Ms'),
    latencyMaxMs: num(h.latencyMaxMs, 'http.latencyMaxMs'),
    ...(h.observedMs !== undefined ? { observedMs: num(h.observedMs, 'http.observedMs') } : {}),
    ...(h.observedAt !== undefined ? { observedAt: num(h.observedAt, 'http.observedAt') } : {}),
  };
}

function validateGcSampling(value: unknown): GcSampling {
  const s = record(value, 'gcSampling');
  return { observedFraction: num(s.observedFraction, 'gcSampling.observedFraction', 0, 1), intervalObserved: bool(s.intervalObserved, 'gcSampling.intervalObserved') };
}

function validateReport(f: Record<string, unknown>): AgentReport {
  const m = record(f.memory, 'memory');
  const g = record(f.gc, 'gc');
  const gc = {} as Record<GcKind, GcKindTotals>;
  for (const kind of GC_KINDS) {
    const k = record(g[kind], `gc.${kind}`);
    gc[kind] = { count: int(k.count, `gc.${kind}.count`), pauseMs: num(k.pauseMs, `gc.${kind}.pauseMs`) };
  }
  return {
    type: 'report',
    seq: int(f.seq, 'seq'),
    time: num(f.time, 'time'),
    intervalMs: num(f.intervalMs, 'intervalMs'),
    memory: {
      rss: num(m.rss, 'memory.rss'),
      heapUsed: num(m.heapUsed, 'memory.heapUsed'),
      heapTotal: num(m.heapTotal, 'memory.heapTotal'),
      external: num(m.external, 'memory.external'),
      arrayBuffers: num(m.arrayBuffers, 'memory.arrayBuffers'),
    },
    heapAfterGc: f.heapAfterGc === null ? null : num(f.heapAfterGc, 'heapAfterGc'),
    gc,
    ...(f.gcSampling !== undefined ? { gcSampling: validateGcSampling(f.gcSampling) } : {}),
    eventLoopUtilization: num(f.eventLoopUtilization, 'eventLoopUtilization', 0, 1),
    eventLoopDelay: validateLoopDelay(f.eventLoopDelay),
    activeResources: counts(f.activeResources, 'activeResources', 64),
    http: validateHttp(f.http),
    uncaughtExceptions: int(f.uncaughtExceptions, 'uncaughtExceptions'),
    unhandledRejections: int(f.unhandledRejections, 'unhandledRejections'),
    fineDetail: bool(f.fineDetail, 'fineDetail'),
  };
}

function validateEstimate(value: unknown): CostEstimate {
  const e = record(value, 'estimate');
  return {
    durationMs: num(e.durationMs, 'estimate.durationMs'),
    freezeMs: num(e.freezeMs, 'estimate.freezeMs'),
    extraMemoryBytes: num(e.extraMemoryBytes, 'estimate.extraMemoryBytes'),
    note: str(e.note, 'estimate.note', 1000),
  };
}

function validateStack(value: unknown, what: string): StackFrame[] {
  if (!Array.isArray(value) || value.length > 12) fail(`${what} is not an array of at most 12 frames`);
  return value.map((item, i) => {
    const f = record(item, `${what}[${i}]`);
    return {
      functionName: str(f.functionName, `${what}[${i}].functionName`, 512),
      file: str(f.file, `${what}[${i}].file`, 4096),
      line: int(f.line, `${what}[${i}].line`),
      column: int(f.column, `${what}[${i}].column`),
    };
  });
}

function validateHandles(value: unknown): HandleReport {
  const h = record(value, 'handles');
  if (!Array.isArray(h.handles) || h.handles.length > 2000) fail('handles.handles is not an array of at most 2000 items');
  return {
    tracking: bool(h.tracking, 'handles.tracking'),
    trackingSince: num(h.trackingSince, 'handles.trackingSince'),
    handles: h.handles.map((item: unknown, i: number) => {
      const l = record(item, `handles[${i}]`);
      const handle: LiveHandle = {
        type: str(l.type, `handles[${i}].type`, 64),
        hasRef: l.hasRef === null ? null : bool(l.hasRef, `handles[${i}].hasRef`),
        stack: validateStack(l.stack, `handles[${i}].stack`),
        count: int(l.count, `handles[${i}].count`, 1),
        ...(l.timerDelayMs !== undefined ? { timerDelayMs: num(l.timerDelayMs, `handles[${i}].timerDelayMs`, -1) } : {}),
        ...(l.timerRepeats !== undefined ? { timerRepeats: bool(l.timerRepeats, `handles[${i}].timerRepeats`) } : {}),
      };
      return handle;
    }),
    untracked: counts(h.untracked, 'handles.untracked', 64),
    note: str(h.note, 'handles.note', 1000),
    truncated: bool(h.truncated, 'handles.truncated'),
  };
}

function validateResult(f: Record<string, unknown>): AgentResult {
  const id = int(f.id, 'id');
  if (f.ok === false) return { type: 'result', id, ok: false, error: str(f.error, 'error', 2000) };
  if (f.ok !== true) fail('ok is not a boolean');
  switch (f.kind) {
    case 'file': {
      const file = record(f.file, 'file');
      return {
        type: 'result', id, ok: true, kind: 'file',
        file: { path: str(file.path, 'file.path', 4096), bytes: int(file.bytes, 'file.bytes'), durationMs: num(file.durationMs, 'file.durationMs') },
      };
    }
    case 'handles':
      return { type: 'result', id, ok: true, kind: 'handles', handles: validateHandles(f.handles) };
    case 'done':
      return { type: 'result', id, ok: true, kind: 'done' };
    default:
      return fail('result kind is unknown');
  }
}

/** Validates a parsed frame from an agent (the caller decides where a hello is allowed: first frame only). */
export function validateFromAgent(value: unknown): Validated<FromAgent> {
  return run<FromAgent>(() => {
    const f = record(value, 'frame');
    switch (f.type) {
      case 'hello':
        return validateHello(f);
      case 'report':
        return validateReport(f);
      case 'error':
        return {
          type: 'error',
          kind: f.kind === 'uncaughtException' || f.kind === 'unhandledRejection' ? f.kind : fail('error.kind is unknown'),
          fatal: bool(f.fatal, 'fatal'),
          message: str(f.message, 'message', 2000),
        };
      case 'accepted':
        return { type: 'accepted', id: int(f.id, 'id'), estimate: validateEstimate(f.estimate) };
      case 'result':
        return validateResult(f);
      default:
        return fail('unknown frame type');
    }
  });
}

function validatePath(value: unknown, extension: string): string {
  const path = str(value, 'path', 4096);
  // Absolute (POSIX or Windows) and with the expected extension: a request can never overwrite an arbitrary file.
  if (!(path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\'))) fail('path is not absolute');
  if (!path.endsWith(extension)) fail(`path does not end with ${extension}`);
  if (path.includes('\0')) fail('path contains a NUL character');
  return path;
}

/** Validates a parsed frame from the server. */
export function validateFromServer(value: unknown): Validated<FromServer> {
  return run<FromServer>(() => {
    const f = record(value, 'frame');
    switch (f.type) {
      case 'welcome':
        return {
          type: 'welcome',
          version: int(f.version, 'version'),
          reportIntervalMs: int(f.reportIntervalMs, 'reportIntervalMs', 100, 60_000),
          fineDetail: bool(f.fineDetail, 'fineDetail'),
        };
      case 'setDetail':
        return { type: 'setDetail', fine: bool(f.fine, 'fine') };
      case 'request': {
        const id = int(f.id, 'id');
        switch (f.kind) {
          case 'heapSnapshot':
            return { type: 'request', id, kind: 'heapSnapshot', path: validatePath(f.path, '.heapsnapshot') };
          case 'cpuProfile':
            return { type: 'request', id, kind: 'cpuProfile', path: validatePath(f.path, '.cpuprofile'), seconds: num(f.seconds, 'seconds', 0.1, MAX_PROFILE_SECONDS) };
          case 'heapProfile':
            return {
              type: 'request', id, kind: 'heapProfile',
              path: validatePath(f.path, '.heapprofile'),
              seconds: num(f.seconds, 'seconds', 0.1, MAX_PROFILE_SECONDS),
              intervalBytes: int(f.intervalBytes, 'intervalBytes', MIN_HEAP_PROFILE_INTERVAL_BYTES, 64 * 1024 * 1024),
            };
          case 'startHandleTracking':
          case 'stopHandleTracking':
          case 'reportHandles':
            return { type: 'request', id, kind: f.kind };
          default:
            return fail('request kind is unknown');
        }
      }
      default:
        return fail('unknown frame type');
    }
  });
}
