/**
 * Debug launches and the agents they start, matched by a per-launch token: the debug configuration
 * provider puts PROCESS_VITALS_LAUNCH=<token> into the launch's env, the agent repeats it in its
 * hello, and the session whose configuration carries that token owns the process. Pure (no
 * `vscode`), so it is table-tested; DebugSessionTracker feeds it real sessions and hellos.
 */
import { randomBytes } from 'node:crypto';
import { AGENT_LAUNCH_TOKEN_ENV, LAUNCH_TOKEN_PATTERN, type AgentHello } from '../agent/agentProtocol';

/** Hellos kept while no session claims their token yet (the debuggee can say hello before VS Code announces the session). */
const MAX_PENDING_HELLOS = 32;
/** How long such a hello waits for its session. */
const PENDING_HELLO_MS = 30_000;

/** A fresh launch token (24 URL-safe characters). */
export function newLaunchToken(): string {
  return randomBytes(18).toString('base64url');
}

/** The launch token in a debug configuration's env, when it has a well-formed one. */
export function launchTokenOf(configuration: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const env = configuration?.env;
  if (typeof env !== 'object' || env === null) return undefined;
  const token = (env as Record<string, unknown>)[AGENT_LAUNCH_TOKEN_ENV];
  return typeof token === 'string' && LAUNCH_TOKEN_PATTERN.test(token) ? token : undefined;
}

/** What the matcher needs of a debug session. */
export interface LaunchSession {
  readonly id: string;
  readonly configuration: Readonly<Record<string, unknown>>;
}

/** The part of a hello the matcher reads. */
export type LaunchHello = Pick<AgentHello, 'pid' | 'isMainThread' | 'launchToken'>;

/** A debuggee found through its agent's hello. */
export interface LaunchMatch<S extends LaunchSession> {
  readonly session: S;
  readonly pid: number;
}

/**
 * Pairs launch sessions with agent hellos in whichever order they arrive. The first main-thread
 * hello of a token is the debuggee; later ones with the same token are processes it started
 * (they inherit its env) and are left to the debuggee's process tree.
 */
export class LaunchTokenMatcher<S extends LaunchSession> {
  private readonly sessions = new Map<string, S>();
  private readonly matched = new Set<string>();
  private readonly pending = new Map<string, { pid: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A session started; returns its debuggee when its agent already said hello. */
  addSession(session: S): LaunchMatch<S> | undefined {
    const token = launchTokenOf(session.configuration);
    if (!token) return undefined;
    this.sessions.set(token, session);
    this.expire();
    const early = this.pending.get(token);
    if (!early) return undefined;
    this.pending.delete(token);
    this.matched.add(token);
    return { session, pid: early.pid };
  }

  /** A session ended: its token matches nothing any more. */
  removeSession(session: S): void {
    const token = launchTokenOf(session.configuration);
    if (!token || this.sessions.get(token) !== session) return;
    this.sessions.delete(token);
    this.matched.delete(token);
  }

  /** An agent said hello; returns the session it belongs to when this is that session's debuggee. */
  addHello(hello: LaunchHello): LaunchMatch<S> | undefined {
    const token = hello.launchToken;
    if (!token || !hello.isMainThread || this.matched.has(token)) return undefined;
    const session = this.sessions.get(token);
    if (!session) {
      this.expire();
      if (!this.pending.has(token) && this.pending.size < MAX_PENDING_HELLOS) this.pending.set(token, { pid: hello.pid, at: this.now() });
      return undefined;
    }
    this.matched.add(token);
    return { session, pid: hello.pid };
  }

  private expire(): void {
    const now = this.now();
    for (const [token, p] of this.pending) if (now - p.at > PENDING_HELLO_MS) this.pending.delete(token);
  }
}
