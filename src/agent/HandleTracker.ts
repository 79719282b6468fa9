import type { AsyncHook } from 'node:async_hooks';
import type * as AsyncHooks from 'node:async_hooks';
import { lazyBuiltin } from './lazyBuiltin';
import { ASYNC_RESOURCE_NAMES, type HandleReport, type LiveHandle, type StackFrame } from './agentProtocol';

const STACK_FRAMES_CAPTURED = 24;
const STACK_FRAMES_REPORTED = 12;
const MAX_HANDLES_REPORTED = 500;
/** Frames of the runtime and of this agent are not the user's business. */
const INTERNAL_FILE = /^node:|^internal[\\/]|[\\/]dist[\\/]agent(Core)?\.js$|[\\/]src[\\/]agent[\\/]/;
const LIBRARY_FILE = /[\\/]node_modules[\\/]/;

interface TimerLike {
  _idleTimeout?: number;
  _repeat?: number | null;
  _destroyed?: boolean;
  hasRef?: () => boolean;
}

interface Tracked {
  readonly type: string;
  readonly resource: WeakRef<object>;
  /** Holds the stack V8 captured at creation; it is formatted only when a report asks for it. */
  readonly stackHolder: { stack?: unknown };
}

interface CallSiteLike {
  getFunctionName(): string | null;
  getMethodName(): string | null;
  getTypeName(): string | null;
  getFileName(): string | undefined | null;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
}

/**
 * The agent's own handle/timer tracker: an async_hooks hook that records a creation stack for each
 * handle and timer created while it is on, and a report of the live ones as structured data (type,
 * ref state, timer delay, user frames first). It does what why-is-node-running 3.x does, minus its
 * text output, its ESM-only packaging and its SIGUSR1 include; like it, the hook costs a lot on a
 * busy program (every async resource passes through it), so it runs only on request.
 */
export class HandleTracker {
  private hook: AsyncHook | undefined;
  private readonly live = new Map<number, Tracked>();
  private since = 0;

  /** Whether tracking is on. */
  get tracking(): boolean {
    return this.hook !== undefined;
  }

  /** Starts recording creation stacks (of resources created from now on). */
  start(): void {
    if (this.hook) return;
    const asyncHooks: typeof AsyncHooks = lazyBuiltin('node:async_hooks');
    this.since = Date.now();
    this.hook = asyncHooks.createHook({
      init: (asyncId, type, _triggerAsyncId, resource) => {
        // An exception in an async hook aborts the process: nothing here may throw.
        try {
          if (ASYNC_RESOURCE_NAMES[type] === undefined) return;
          const stackHolder: { stack?: unknown } = {};
          const limit = Error.stackTraceLimit;
          Error.stackTraceLimit = STACK_FRAMES_CAPTURED;
          Error.captureStackTrace(stackHolder);
          Error.stackTraceLimit = limit;
          this.live.set(asyncId, { type, resource: new WeakRef(resource as object), stackHolder });
        } catch {
          // Untracked resource; the report counts it as such.
        }
      },
      destroy: (asyncId) => {
        this.live.delete(asyncId);
      },
    });
    this.hook.enable();
  }

  /** Stops recording and forgets what was recorded. */
  stop(): void {
    this.hook?.disable();
    this.hook = undefined;
    this.live.clear();
    this.since = 0;
  }

  /** The live handles and timers, grouped by type, stack and state. */
  report(): HandleReport {
    const groups = new Map<string, LiveHandle & { count: number }>();
    const trackedRefByName = new Map<string, number>();
    const previous = Error.prepareStackTrace;
    // Our formatter, only for the duration of this loop: V8 formats a captured stack lazily, with
    // whatever prepareStackTrace is installed when .stack is first read.
    Error.prepareStackTrace = (_error, callSites) => callSites;
    try {
      for (const [asyncId, tracked] of this.live) {
        const resource = tracked.resource.deref() as TimerLike | undefined;
        if (!resource || resource._destroyed === true) {
          this.live.delete(asyncId);
          continue;
        }
        const isTimer = tracked.type === 'Timeout';
        if (isTimer && (resource._idleTimeout ?? -1) < 0) {
          this.live.delete(asyncId); // cleared
          continue;
        }
        const hasRef = typeof resource.hasRef === 'function' ? safeHasRef(resource) : null;
        if (hasRef) {
          const name = ASYNC_RESOURCE_NAMES[tracked.type];
          trackedRefByName.set(name, (trackedRefByName.get(name) ?? 0) + 1);
        }
        const stack = framesOf(tracked.stackHolder);
        const handle: LiveHandle & { count: number } = {
          type: tracked.type,
          hasRef,
          stack,
          count: 1,
          ...(isTimer ? { timerDelayMs: resource._idleTimeout ?? -1, timerRepeats: typeof resource._repeat === 'number' } : {}),
        };
        const key = `${handle.type}|${hasRef}|${handle.timerDelayMs}|${handle.timerRepeats}|${stack.map((f) => `${f.file}:${f.line}:${f.column}`).join(';')}`;
        const group = groups.get(key);
        if (group) group.count++;
        else groups.set(key, handle);
      }
    } finally {
      Error.prepareStackTrace = previous;
    }
    // Whatever keeps the loop alive beyond what we tracked was created before tracking began.
    const untracked = Object.create(null) as Record<string, number>;
    const seen = new Map<string, number>();
    for (const name of process.getActiveResourcesInfo()) seen.set(name, (seen.get(name) ?? 0) + 1);
    for (const [name, count] of seen) {
      const extra = count - (trackedRefByName.get(name) ?? 0);
      if (extra > 0 && Object.keys(untracked).length < 64 && /^[A-Za-z][A-Za-z0-9_.]{0,63}$/.test(name)) untracked[name] = extra;
    }
    const all = [...groups.values()].sort((a, b) => b.count - a.count);
    return {
      tracking: this.tracking,
      trackingSince: this.since,
      handles: all.slice(0, MAX_HANDLES_REPORTED),
      untracked,
      note: this.tracking
        ? 'Handles and timers created before tracking began have no creation stack (listed as untracked). ' +
          'To see every stack, restart the program with tracking on from the start.'
        : 'Handle tracking is off: only the counts of live resources are known, without creation stacks.',
      truncated: all.length > MAX_HANDLES_REPORTED,
    };
  }
}

function safeHasRef(resource: TimerLike): boolean | null {
  try {
    return Boolean(resource.hasRef!());
  } catch {
    return null;
  }
}

/** The captured stack as frames: runtime and agent frames dropped, the user's own frames first, then libraries'. */
function framesOf(holder: { stack?: unknown }): StackFrame[] {
  const sites = holder.stack;
  if (!Array.isArray(sites)) return [];
  const user: StackFrame[] = [];
  const library: StackFrame[] = [];
  for (const site of sites as CallSiteLike[]) {
    const file = site.getFileName() ?? '';
    if (!file || INTERNAL_FILE.test(file)) continue;
    const method = site.getMethodName();
    const type = site.getTypeName();
    const fn = site.getFunctionName() ?? (method ? `${type ?? ''}.${method}` : '<anonymous>');
    const frame: StackFrame = { functionName: fn.slice(0, 200), file: file.slice(0, 1000), line: site.getLineNumber() ?? 0, column: site.getColumnNumber() ?? 0 };
    (LIBRARY_FILE.test(file) ? library : user).push(frame);
  }
  return [...user, ...library].slice(0, STACK_FRAMES_REPORTED);
}
