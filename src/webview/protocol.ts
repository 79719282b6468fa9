/**
 * The one protocol between the dashboard host (src/extension/dashboard) and the dashboard page
 * (src/webview). Both sides import this file; it imports neither `vscode` nor the DOM, so the
 * validators are unit-tested in plain Node.
 *
 * Every message carries `v` (PROTOCOL_VERSION). Messages are untrusted on arrival on both sides:
 * a page can be scripted by a compromised dependency, and a host message can be stale after an
 * update, so `parseToWebview` / `parseToHost` reject unknown types, wrong shapes and oversized
 * arrays instead of trusting the static types.
 *
 * Messages marked "(optional, issue 5)" or "(agent)" are defined now so that the page can render
 * them when a later host sends them; a host that does not have the data never sends them.
 */

/** Bumped on any incompatible change; both sides drop messages of another version. */
export const PROTOCOL_VERSION = 1;

/** Time ranges the charts can show. */
export const TIME_RANGES = ['1m', '5m', '15m', '1h', 'session'] as const;
/** One of TIME_RANGES. */
export type TimeRange = (typeof TIME_RANGES)[number];
/** Span of each range in ms; `session` is everything the host still holds. */
export const TIME_RANGE_MS: Readonly<Record<TimeRange, number>> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  session: Number.POSITIVE_INFINITY,
};
/** What the range selector shows. */
export const TIME_RANGE_LABELS: Readonly<Record<TimeRange, string>> = {
  '1m': '1 min',
  '5m': '5 min',
  '15m': '15 min',
  '1h': '1 hour',
  session: 'Session',
};

/** Bounds of what either side accepts: generous for real use, small enough to stop a flood. */
export const PROTOCOL_LIMITS = {
  processes: 500,
  seriesKeys: 64,
  pointsPerSeries: 5_000,
  markers: 2_000,
  alerts: 500,
  verdicts: 500,
  inventoryItems: 2_000,
  stackFrames: 64,
  string: 4_096,
  /** A PNG data URL of a chart (a 4k-wide chart is about 1 MB). */
  pngDataUrl: 16 * 1024 * 1024,
} as const;

/** How a series' values are measured; the page formats axes and tooltips by it. */
export type SeriesUnit = 'percent' | 'bytes' | 'ms' | 'ratio' | 'count' | 'perSecond';
const SERIES_UNITS: readonly SeriesUnit[] = ['percent', 'bytes', 'ms', 'ratio', 'count', 'perSecond'];

/** What one series is: the page draws series of one `chart` id together on one chart. */
export interface SeriesDescriptor {
  /** The monitor's series key (`cpuPercent`, `heapUsedBytes`...). */
  readonly key: string;
  readonly label: string;
  readonly unit: SeriesUnit;
  /** Charts are keyed by this id; series sharing it share a chart (heap used + heap after GC). */
  readonly chart: string;
  readonly chartTitle: string;
  /** True when only the Node agent reports it (absent for other processes). */
  readonly agentOnly: boolean;
}

/** One row of the process table and one legend entry. */
export interface ProcessRow {
  /** pid@startTime. */
  readonly key: string;
  readonly pid: number;
  readonly ppid: number;
  readonly name: string;
  readonly command: string;
  /** Where it came from ("Terminal: dev", "Task: watch"); null when no origin claims it. */
  readonly origin: string | null;
  /** ms since the epoch. */
  readonly startTime: number;
  /** Whether the Node agent reports for it. */
  readonly agent: boolean;
}

/**
 * One process's history over the hydrated range. `times` are ms since the epoch; every series array
 * is parallel to `times`; null is a gap. `maxima` is present when points are buckets of several
 * samples (its values are each bucket's maximum, the point's value its mean).
 */
export interface ProcessHistory {
  readonly key: string;
  readonly times: readonly number[];
  readonly series: Readonly<Record<string, { readonly values: readonly (number | null)[]; readonly maxima?: readonly (number | null)[] }>>;
}

/** Kinds of chart markers. */
export const MARKER_KINDS = ['alert', 'leakOnset', 'majorGc'] as const;

/** An event drawn on the charts at its time: an alert firing, a leak's estimated onset, a major GC. */
export interface ChartMarker {
  /** Stable per event, so a later message can move or remove it (a leak's onset estimate moves). */
  readonly id: string;
  readonly time: number;
  readonly kind: 'alert' | 'leakOnset' | 'majorGc';
  /** The process it belongs to; null for machine-wide markers. */
  readonly processKey: string | null;
  readonly label: string;
}

/** Machine-wide context shown above the processes. Fields the platform cannot give are null. */
export interface SystemSnapshot {
  readonly time: number;
  readonly cpuPercent: number | null;
  readonly cpuCount: number;
  readonly memory: { readonly totalBytes: number; readonly usedBytes: number } | null;
  readonly loadAverage: readonly [number, number, number] | null;
  readonly disk: { readonly mount: string; readonly totalBytes: number; readonly usedBytes: number } | null;
}

/** An alert (optional, issue 5). */
export interface AlertItem {
  readonly id: string;
  readonly processKey: string | null;
  readonly rule: string;
  readonly severity: 'info' | 'warning' | 'error';
  readonly state: 'firing' | 'acknowledged' | 'resolved';
  readonly message: string;
  /** ms since the epoch. */
  readonly since: number;
}

/** A leak verdict for one process (optional, issue 5). */
export interface LeakVerdictItem {
  readonly processKey: string;
  readonly kind: 'heap' | 'external' | 'rss' | 'handles';
  /** Growth per second in the kind's unit (bytes/s, handles/s). */
  readonly ratePerSecond: number;
  /** 0-1. */
  readonly confidence: number;
  /** Estimated onset, ms since the epoch; null when unknown. */
  readonly onset: number | null;
  /** Projected time to the heap limit in seconds, when known. */
  readonly secondsToLimit: number | null;
}

/** One frame of a creation stack; `path` and `line` make it a link. */
export interface StackFrame {
  readonly functionName: string;
  readonly path: string | null;
  /** 1-based. */
  readonly line: number | null;
  readonly column: number | null;
}

/** Live handles or timers of a process that share a type and a creation stack (agent). */
export interface HandleItem {
  readonly type: string;
  /** Whether it keeps the event loop alive; null when the agent cannot tell. */
  readonly ref: boolean | null;
  /** How many live resources share this type and stack. */
  readonly count: number;
  /** Timer delay in ms, for timers. */
  readonly delayMs: number | null;
  /** For timers: setInterval (true) or setTimeout (false); null for other handles. */
  readonly repeats: boolean | null;
  /** Creation stack, user frames first; empty when the handle predates tracking. */
  readonly stack: readonly StackFrame[];
}

/** The page's restorable state: saved with `setState`, read back by the panel serializer. */
export interface DashboardViewState {
  readonly range: TimeRange;
  /** The process the charts focus on; null for all processes. */
  readonly focusKey: string | null;
  readonly paused: boolean;
  /** Series keys the user switched off. */
  readonly hiddenSeries: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Host -> page

/** Everything the page needs to draw from scratch: sent whenever the page (re)loads. */
export interface HydrateMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'hydrate';
  readonly state: DashboardViewState;
  /** ms since the epoch, the host's clock. */
  readonly now: number;
  /** The sampling interval. */
  readonly intervalMs: number;
  /** Width of one point: live samples are folded into buckets of this width (>= intervalMs). */
  readonly bucketMs: number;
  readonly catalog: readonly SeriesDescriptor[];
  readonly processes: readonly ProcessRow[];
  readonly history: readonly ProcessHistory[];
  readonly markers: readonly ChartMarker[];
  readonly system: SystemSnapshot | null;
  /** Whether the host has alert and verdict sources at all (false: the panels say so). */
  readonly features: { readonly alerts: boolean; readonly leakVerdicts: boolean; readonly handleInventory: boolean };
}

/** One tick: what changed and the newest value of every series of every sampled process. */
export interface TickMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'tick';
  readonly time: number;
  readonly appeared: readonly ProcessRow[];
  readonly changed: readonly ProcessRow[];
  readonly exited: readonly string[];
  /** Series first seen this tick (an agent connected); the page adds their charts. */
  readonly newSeries: readonly SeriesDescriptor[];
  readonly samples: readonly { readonly key: string; readonly time: number; readonly values: Readonly<Record<string, number | null>> }[];
}

/** Machine-wide stats, sent every few seconds while the panel is visible. */
export interface SystemMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'system';
  readonly system: SystemSnapshot;
}

/** Alerts to show, replacing the previous list (optional, issue 5). */
export interface AlertsMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'alerts';
  readonly alerts: readonly AlertItem[];
}

/** Leak verdicts to show, replacing the previous list (optional, issue 5). */
export interface LeakVerdictsMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'leakVerdicts';
  readonly verdicts: readonly LeakVerdictItem[];
}

/** Markers to add, or to replace when the page has one of the same id, and ids to remove. */
export interface MarkersMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'markers';
  readonly markers: readonly ChartMarker[];
  readonly removed: readonly string[];
}

/** The live handles and timers of one process (agent). */
export interface HandleInventoryMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'handleInventory';
  readonly processKey: string;
  readonly takenAt: number;
  /** Handles created before tracking began have no stack: the page says so when false. */
  readonly trackedFromStart: boolean;
  readonly items: readonly HandleItem[];
  /** Live resources created before tracking began (no creation stack), counted by type. */
  readonly untracked: Readonly<Record<string, number>>;
  /** The agent's explanation for the user (why some have no stack, how to get them). */
  readonly note: string;
  /** True when the agent cut the list at its size limit. */
  readonly truncated: boolean;
}

/** An inventory request that is under way or failed (the panel says which instead of staying empty). */
export interface HandleInventoryStatusMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'handleInventoryStatus';
  readonly processKey: string;
  readonly state: 'pending' | 'failed';
  readonly message: string;
}

/** Every message the host posts to the page. */
export type ToWebviewMessage =
  | HydrateMessage
  | TickMessage
  | SystemMessage
  | AlertsMessage
  | LeakVerdictsMessage
  | MarkersMessage
  | HandleInventoryMessage
  | HandleInventoryStatusMessage;

// ---------------------------------------------------------------------------------------------
// Page -> host

/** Every message the page posts to the host. */
export type ToHostMessage =
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'ready' }
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'setRange'; readonly range: TimeRange }
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'focus'; readonly processKey: string | null }
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'setPaused'; readonly paused: boolean }
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'toggleSeries'; readonly seriesKey: string; readonly visible: boolean }
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'export'; readonly format: 'csv' | 'recording' }
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'savePng'; readonly chartTitle: string; readonly dataUrl: string }
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'openLocation'; readonly path: string; readonly line: number; readonly column: number | null }
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'alertAction'; readonly alertId: string; readonly action: 'acknowledge' | 'resolve' | 'diagnose' }
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'diagnoseLeaks'; readonly processKey: string | null }
  /** Asks the process's agent for its live handles and timers (answered by handleInventory). */
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'inspectHandles'; readonly processKey: string }
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'cspViolation'; readonly directive: string; readonly blockedUri: string; readonly sourceFile: string }
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'pageError'; readonly message: string };

/** The `type` of a page message. */
export type ToHostType = ToHostMessage['type'];

// ---------------------------------------------------------------------------------------------
// Validation. Hand-written checks (no schema library in the page bundle); each returns a reason
// string for the log instead of throwing, so a bad message is dropped and reported once.

/** The outcome of parsing an untrusted message. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

class Invalid extends Error {}

function fail(path: string, what: string): never {
  throw new Invalid(`${path}: ${what}`);
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'expected an object');
  return value as Record<string, unknown>;
}

function str(value: unknown, path: string, max: number = PROTOCOL_LIMITS.string): string {
  if (typeof value !== 'string') fail(path, 'expected a string');
  if (value.length > max) fail(path, `string longer than ${max}`);
  return value;
}

function num(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, 'expected a finite number');
  return value;
}

function int(value: unknown, path: string, min = 0): number {
  if (!Number.isSafeInteger(value) || (value as number) < min) fail(path, `expected an integer >= ${min}`);
  return value as number;
}

function bool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') fail(path, 'expected a boolean');
  return value;
}

function nullable<T>(value: unknown, path: string, parse: (v: unknown, p: string) => T): T | null {
  return value === null ? null : parse(value, path);
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) fail(path, `expected one of ${allowed.join(', ')}`);
  return value as T;
}

function list<T>(value: unknown, path: string, max: number, parse: (v: unknown, p: string) => T): T[] {
  if (!Array.isArray(value)) fail(path, 'expected an array');
  if (value.length > max) fail(path, `array longer than ${max}`);
  return value.map((item, i) => parse(item, `${path}[${i}]`));
}

function numberOrNull(value: unknown, path: string): number | null {
  return nullable(value, path, num);
}

/** Keys that would reach Object.prototype through a plain object. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function keyedRecord<T>(value: unknown, path: string, max: number, parse: (v: unknown, p: string) => T): Record<string, T> {
  const source = record(value, path);
  const keys = Object.keys(source);
  if (keys.length > max) fail(path, `more than ${max} keys`);
  const out: Record<string, T> = Object.create(null);
  for (const key of keys) {
    if (FORBIDDEN_KEYS.has(key) || key.length > 128) fail(path, `bad key ${JSON.stringify(key.slice(0, 40))}`);
    out[key] = parse(source[key], `${path}.${key}`);
  }
  return out;
}

function parseViewState(value: unknown, path: string): DashboardViewState {
  const o = record(value, path);
  return {
    range: oneOf(o.range, `${path}.range`, TIME_RANGES),
    focusKey: nullable(o.focusKey, `${path}.focusKey`, (v, p) => str(v, p, 128)),
    paused: bool(o.paused, `${path}.paused`),
    hiddenSeries: list(o.hiddenSeries, `${path}.hiddenSeries`, PROTOCOL_LIMITS.seriesKeys, (v, p) => str(v, p, 128)),
  };
}

function parseDescriptor(value: unknown, path: string): SeriesDescriptor {
  const o = record(value, path);
  return {
    key: str(o.key, `${path}.key`, 128),
    label: str(o.label, `${path}.label`, 200),
    unit: oneOf(o.unit, `${path}.unit`, SERIES_UNITS),
    chart: str(o.chart, `${path}.chart`, 128),
    chartTitle: str(o.chartTitle, `${path}.chartTitle`, 200),
    agentOnly: bool(o.agentOnly, `${path}.agentOnly`),
  };
}

function parseRow(value: unknown, path: string): ProcessRow {
  const o = record(value, path);
  return {
    key: str(o.key, `${path}.key`, 128),
    pid: int(o.pid, `${path}.pid`),
    ppid: int(o.ppid, `${path}.ppid`),
    name: str(o.name, `${path}.name`, 1024),
    command: str(o.command, `${path}.command`),
    origin: nullable(o.origin, `${path}.origin`, (v, p) => str(v, p, 1024)),
    startTime: num(o.startTime, `${path}.startTime`),
    agent: bool(o.agent, `${path}.agent`),
  };
}

function parseHistory(value: unknown, path: string): ProcessHistory {
  const o = record(value, path);
  const times = list(o.times, `${path}.times`, PROTOCOL_LIMITS.pointsPerSeries, num);
  const series = keyedRecord(o.series, `${path}.series`, PROTOCOL_LIMITS.seriesKeys, (v, p) => {
    const s = record(v, p);
    const values = list(s.values, `${p}.values`, PROTOCOL_LIMITS.pointsPerSeries, numberOrNull);
    if (values.length !== times.length) fail(`${p}.values`, 'not parallel to times');
    if (s.maxima === undefined) return { values };
    const maxima = list(s.maxima, `${p}.maxima`, PROTOCOL_LIMITS.pointsPerSeries, numberOrNull);
    if (maxima.length !== times.length) fail(`${p}.maxima`, 'not parallel to times');
    return { values, maxima };
  });
  return { key: str(o.key, `${path}.key`, 128), times, series };
}

function parseMarker(value: unknown, path: string): ChartMarker {
  const o = record(value, path);
  return {
    id: str(o.id, `${path}.id`, 200),
    time: num(o.time, `${path}.time`),
    kind: oneOf(o.kind, `${path}.kind`, MARKER_KINDS),
    processKey: nullable(o.processKey, `${path}.processKey`, (v, p) => str(v, p, 128)),
    label: str(o.label, `${path}.label`, 500),
  };
}

function parseSystem(value: unknown, path: string): SystemSnapshot {
  const o = record(value, path);
  return {
    time: num(o.time, `${path}.time`),
    cpuPercent: numberOrNull(o.cpuPercent, `${path}.cpuPercent`),
    cpuCount: int(o.cpuCount, `${path}.cpuCount`),
    memory: nullable(o.memory, `${path}.memory`, (v, p) => {
      const m = record(v, p);
      return { totalBytes: num(m.totalBytes, `${p}.totalBytes`), usedBytes: num(m.usedBytes, `${p}.usedBytes`) };
    }),
    loadAverage: nullable(o.loadAverage, `${path}.loadAverage`, (v, p) => {
      const l = list(v, p, 3, num);
      if (l.length !== 3) fail(p, 'expected three load averages');
      return [l[0]!, l[1]!, l[2]!] as const;
    }),
    disk: nullable(o.disk, `${path}.disk`, (v, p) => {
      const d = record(v, p);
      return { mount: str(d.mount, `${p}.mount`, 1024), totalBytes: num(d.totalBytes, `${p}.totalBytes`), usedBytes: num(d.usedBytes, `${p}.usedBytes`) };
    }),
  };
}

function parseAlert(value: unknown, path: string): AlertItem {
  const o = record(value, path);
  return {
    id: str(o.id, `${path}.id`, 200),
    processKey: nullable(o.processKey, `${path}.processKey`, (v, p) => str(v, p, 128)),
    rule: str(o.rule, `${path}.rule`, 200),
    severity: oneOf(o.severity, `${path}.severity`, ['info', 'warning', 'error'] as const),
    state: oneOf(o.state, `${path}.state`, ['firing', 'acknowledged', 'resolved'] as const),
    message: str(o.message, `${path}.message`, 1000),
    since: num(o.since, `${path}.since`),
  };
}

function parseVerdict(value: unknown, path: string): LeakVerdictItem {
  const o = record(value, path);
  const confidence = num(o.confidence, `${path}.confidence`);
  if (confidence < 0 || confidence > 1) fail(`${path}.confidence`, 'expected 0-1');
  return {
    processKey: str(o.processKey, `${path}.processKey`, 128),
    kind: oneOf(o.kind, `${path}.kind`, ['heap', 'external', 'rss', 'handles'] as const),
    ratePerSecond: num(o.ratePerSecond, `${path}.ratePerSecond`),
    confidence,
    onset: numberOrNull(o.onset, `${path}.onset`),
    secondsToLimit: numberOrNull(o.secondsToLimit, `${path}.secondsToLimit`),
  };
}

function parseFrame(value: unknown, path: string): StackFrame {
  const o = record(value, path);
  return {
    functionName: str(o.functionName, `${path}.functionName`, 500),
    path: nullable(o.path, `${path}.path`, str),
    line: nullable(o.line, `${path}.line`, (v, p) => int(v, p, 1)),
    column: nullable(o.column, `${path}.column`, (v, p) => int(v, p, 1)),
  };
}

function parseHandle(value: unknown, path: string): HandleItem {
  const o = record(value, path);
  return {
    type: str(o.type, `${path}.type`, 200),
    ref: nullable(o.ref, `${path}.ref`, bool),
    count: int(o.count, `${path}.count`, 1),
    delayMs: numberOrNull(o.delayMs, `${path}.delayMs`),
    repeats: nullable(o.repeats, `${path}.repeats`, bool),
    stack: list(o.stack, `${path}.stack`, PROTOCOL_LIMITS.stackFrames, parseFrame),
  };
}

function versioned(value: unknown): Record<string, unknown> {
  const o = record(value, 'message');
  if (o.v !== PROTOCOL_VERSION) fail('message.v', `expected protocol version ${PROTOCOL_VERSION}, got ${JSON.stringify(o.v)}`);
  str(o.type, 'message.type', 64);
  return o;
}

function attempt<T>(parse: () => T): Parsed<T> {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, error: error.message };
    throw error;
  }
}

/** Validates a message from the host (run by the page). */
export function parseToWebview(value: unknown): Parsed<ToWebviewMessage> {
  return attempt((): ToWebviewMessage => {
    const o = versioned(value);
    const v = PROTOCOL_VERSION;
    switch (o.type) {
      case 'hydrate': {
        const features = record(o.features, 'features');
        return {
          v,
          type: 'hydrate',
          state: parseViewState(o.state, 'state'),
          now: num(o.now, 'now'),
          intervalMs: int(o.intervalMs, 'intervalMs', 1),
          bucketMs: int(o.bucketMs, 'bucketMs', 1),
          catalog: list(o.catalog, 'catalog', PROTOCOL_LIMITS.seriesKeys, parseDescriptor),
          processes: list(o.processes, 'processes', PROTOCOL_LIMITS.processes, parseRow),
          history: list(o.history, 'history', PROTOCOL_LIMITS.processes, parseHistory),
          markers: list(o.markers, 'markers', PROTOCOL_LIMITS.markers, parseMarker),
          system: nullable(o.system, 'system', parseSystem),
          features: {
            alerts: bool(features.alerts, 'features.alerts'),
            leakVerdicts: bool(features.leakVerdicts, 'features.leakVerdicts'),
            handleInventory: bool(features.handleInventory, 'features.handleInventory'),
          },
        };
      }
      case 'tick':
        return {
          v,
          type: 'tick',
          time: num(o.time, 'time'),
          appeared: list(o.appeared, 'appeared', PROTOCOL_LIMITS.processes, parseRow),
          changed: list(o.changed, 'changed', PROTOCOL_LIMITS.processes, parseRow),
          exited: list(o.exited, 'exited', PROTOCOL_LIMITS.processes, (x, p) => str(x, p, 128)),
          newSeries: list(o.newSeries, 'newSeries', PROTOCOL_LIMITS.seriesKeys, parseDescriptor),
          samples: list(o.samples, 'samples', PROTOCOL_LIMITS.processes, (x, p) => {
            const s = record(x, p);
            return {
              key: str(s.key, `${p}.key`, 128),
              time: num(s.time, `${p}.time`),
              values: keyedRecord(s.values, `${p}.values`, PROTOCOL_LIMITS.seriesKeys, numberOrNull),
            };
          }),
        };
      case 'system':
        return { v, type: 'system', system: parseSystem(o.system, 'system') };
      case 'alerts':
        return { v, type: 'alerts', alerts: list(o.alerts, 'alerts', PROTOCOL_LIMITS.alerts, parseAlert) };
      case 'leakVerdicts':
        return { v, type: 'leakVerdicts', verdicts: list(o.verdicts, 'verdicts', PROTOCOL_LIMITS.verdicts, parseVerdict) };
      case 'markers':
        return {
          v,
          type: 'markers',
          markers: list(o.markers, 'markers', PROTOCOL_LIMITS.markers, parseMarker),
          removed: list(o.removed, 'removed', PROTOCOL_LIMITS.markers, (x, p) => str(x, p, 200)),
        };
      case 'handleInventory':
        return {
          v,
          type: 'handleInventory',
          processKey: str(o.processKey, 'processKey', 128),
          takenAt: num(o.takenAt, 'takenAt'),
          trackedFromStart: bool(o.trackedFromStart, 'trackedFromStart'),
          items: list(o.items, 'items', PROTOCOL_LIMITS.inventoryItems, parseHandle),
          untracked: keyedRecord(o.untracked, 'untracked', PROTOCOL_LIMITS.seriesKeys, (x, p) => int(x, p, 0)),
          note: str(o.note, 'note', 1000),
          truncated: bool(o.truncated, 'truncated'),
        };
      case 'handleInventoryStatus':
        return {
          v,
          type: 'handleInventoryStatus',
          processKey: str(o.processKey, 'processKey', 128),
          state: oneOf(o.state, 'state', ['pending', 'failed'] as const),
          message: str(o.message, 'message', 1000),
        };
      default:
        return fail('message.type', `unknown type ${JSON.stringify(String(o.type).slice(0, 40))}`);
    }
  });
}

/** Validates a message from the page (run by the host). */
export function parseToHost(value: unknown): Parsed<ToHostMessage> {
  return attempt((): ToHostMessage => {
    const o = versioned(value);
    const v = PROTOCOL_VERSION;
    switch (o.type) {
      case 'ready':
        return { v, type: 'ready' };
      case 'setRange':
        return { v, type: 'setRange', range: oneOf(o.range, 'range', TIME_RANGES) };
      case 'focus':
        return { v, type: 'focus', processKey: nullable(o.processKey, 'processKey', (x, p) => str(x, p, 128)) };
      case 'setPaused':
        return { v, type: 'setPaused', paused: bool(o.paused, 'paused') };
      case 'toggleSeries':
        return { v, type: 'toggleSeries', seriesKey: str(o.seriesKey, 'seriesKey', 128), visible: bool(o.visible, 'visible') };
      case 'export':
        return { v, type: 'export', format: oneOf(o.format, 'format', ['csv', 'recording'] as const) };
      case 'savePng': {
        const dataUrl = str(o.dataUrl, 'dataUrl', PROTOCOL_LIMITS.pngDataUrl);
        if (!/^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/.test(dataUrl)) fail('dataUrl', 'expected a base64 PNG data URL');
        return { v, type: 'savePng', chartTitle: str(o.chartTitle, 'chartTitle', 200), dataUrl };
      }
      case 'openLocation':
        return {
          v,
          type: 'openLocation',
          path: str(o.path, 'path'),
          line: int(o.line, 'line', 1),
          column: nullable(o.column, 'column', (x, p) => int(x, p, 1)),
        };
      case 'alertAction':
        return {
          v,
          type: 'alertAction',
          alertId: str(o.alertId, 'alertId', 200),
          action: oneOf(o.action, 'action', ['acknowledge', 'resolve', 'diagnose'] as const),
        };
      case 'diagnoseLeaks':
        return { v, type: 'diagnoseLeaks', processKey: nullable(o.processKey, 'processKey', (x, p) => str(x, p, 128)) };
      case 'inspectHandles':
        return { v, type: 'inspectHandles', processKey: str(o.processKey, 'processKey', 128) };
      case 'cspViolation':
        return {
          v,
          type: 'cspViolation',
          directive: str(o.directive, 'directive', 500),
          blockedUri: str(o.blockedUri, 'blockedUri', 1000),
          sourceFile: str(o.sourceFile, 'sourceFile', 1000),
        };
      case 'pageError':
        return { v, type: 'pageError', message: str(o.message, 'message') };
      default:
        return fail('message.type', `unknown type ${JSON.stringify(String(o.type).slice(0, 40))}`);
    }
  });
}

/** Validates a saved view state (from the serializer or `getState`); undefined when unusable. */
export function parseViewStateOrUndefined(value: unknown): DashboardViewState | undefined {
  const parsed = attempt(() => parseViewState(value, 'state'));
  return parsed.ok ? parsed.value : undefined;
}

/** The state a new dashboard starts with. */
export const DEFAULT_VIEW_STATE: DashboardViewState = { range: '5m', focusKey: null, paused: false, hiddenSeries: [] };
