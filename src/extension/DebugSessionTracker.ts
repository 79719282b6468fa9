import * as vscode from 'vscode';
import type { AgentConnectionInfo } from '../monitor/agents/AgentServer';
import type { Event } from '../monitor/events';
import type { Monitor } from '../monitor/Monitor';
import { LaunchTokenMatcher } from './debugLaunchToken';
import { pidFromSessionName } from './debugSessionPid';
import { OriginTracker } from './OriginTracker';
import type { OrphanHandoff } from './OrphanTracker';
import type { OriginRoot } from './ProcessTreeModel';

/** Debug types whose debuggee can answer `process.pid` (js-debug's and the legacy Node adapter's). */
const NODE_DEBUG_TYPES = new Set(['pwa-node', 'node', 'pwa-extensionHost', 'node-terminal']);

/** The session a user started (launch configuration), walking up from a child session. */
function topSession(session: vscode.DebugSession): vscode.DebugSession {
  let top = session;
  while (top.parentSession) top = top.parentSession;
  return top;
}

/** The agent connections a DebugSessionTracker listens to (an AgentServer). */
export interface AgentHelloSource {
  readonly onDidConnect: Event<AgentConnectionInfo>;
  agents(): AgentConnectionInfo[];
}

/**
 * Finds the debuggee PID of every debug session, launch or attach, and registers it as a root
 * labelled with the launch configuration's name. Launches our debug configuration provider resolved
 * carry a launch token that the debuggee's agent repeats in its hello, which names the process as
 * soon as it connects. Otherwise (attach, agent off, other adapters): js-debug does not send the DAP
 * `process` event, so its child sessions' names (and, failing that, evaluating `process.pid`) give
 * the PID; adapters that do send `process` with `systemProcessId` are heard through a DebugAdapterTracker.
 */
export class DebugSessionTracker extends OriginTracker {
  /** The debuggee PID of each session (a cluster's workers each have a child session of their own). */
  private readonly debuggees = new Map<string, { session: vscode.DebugSession; pid: number; sources: string[] }>();
  private readonly launches = new LaunchTokenMatcher<vscode.DebugSession>();

  constructor(monitor: Monitor, log: vscode.LogOutputChannel, private readonly handOffOrphans: OrphanHandoff) {
    super(monitor, log, 'debug');
    this.disposables.push(
      vscode.debug.onDidStartDebugSession((session) => void this.onStart(session)),
      vscode.debug.onDidTerminateDebugSession((session) => this.onTerminate(session)),
      vscode.debug.registerDebugAdapterTrackerFactory('*', {
        createDebugAdapterTracker: (session) => ({
          onDidSendMessage: (message: unknown) => {
            const m = message as { type?: string; event?: string; body?: { systemProcessId?: unknown } };
            const pid = m?.body?.systemProcessId;
            if (m?.type === 'event' && m.event === 'process' && typeof pid === 'number' && pid > 0) {
              this.record(session, pid, 'the adapter\'s process event');
            }
          },
        }),
      }),
    );
  }

  /** Learns debuggee PIDs from agent hellos from now on (the agent server starts after the tracker). */
  attachAgents(agents: AgentHelloSource): void {
    const onHello = (info: AgentConnectionInfo) => {
      const match = this.launches.addHello(info.hello);
      if (match) this.record(match.session, match.pid, 'its agent\'s hello');
    };
    this.own(agents.onDidConnect(onHello));
    for (const info of agents.agents()) onHello(info);
  }

  /** One origin per debuggee. */
  origins(): OriginRoot[] {
    return [...this.debuggees.values()].map(({ session, pid }) => ({
      kind: 'debug',
      id: `debug:${session.id}:${pid}`,
      label: topSession(session).name,
      rootPid: pid,
    }));
  }

  /** Each debuggee with its launch's name and every way its PID was learned, first first (for the log and the tests). */
  debuggeeSources(): Array<{ session: string; pid: number; sources: string[] }> {
    return [...this.debuggees.values()].map(({ session, pid, sources }) => ({ session: topSession(session).name, pid, sources: [...sources] }));
  }

  /** Records a debuggee PID of a session, learned from `how`. */
  record(session: vscode.DebugSession, pid: number, how: string): void {
    // Known already, through this session or another of the same launch (the agent's hello names the
    // launch, js-debug's child session the target): one root, with one more witness.
    const top = topSession(session);
    for (const other of this.debuggees.values()) {
      if (other.pid === pid && topSession(other.session) === top) {
        if (!other.sources.includes(how)) other.sources.push(how);
        return;
      }
    }
    this.debuggees.set(session.id, { session, pid, sources: [how] });
    this.log.info(`Debug session "${topSession(session).name}": debuggee PID ${pid} (from ${how})`);
    this.sync();
    this.monitor.tickNow();
  }

  private async onStart(session: vscode.DebugSession): Promise<void> {
    const launched = this.launches.addSession(session);
    if (launched) {
      this.record(launched.session, launched.pid, 'its agent\'s hello');
      return;
    }
    const fromName = session.parentSession ? pidFromSessionName(session.name) : undefined;
    if (fromName !== undefined) {
      this.record(session, fromName, 'js-debug\'s session name');
      return;
    }
    // A js-debug parent session has no target of its own; its child sessions carry the PID.
    if (!NODE_DEBUG_TYPES.has(session.type) || !session.parentSession) return;
    try {
      const response = await session.customRequest('evaluate', { expression: 'process.pid', context: 'repl' });
      const pid = Number((response as { result?: unknown })?.result);
      if (Number.isSafeInteger(pid) && pid > 0) this.record(session, pid, 'evaluating process.pid');
    } catch (error) {
      this.log.debug(`Debug session "${session.name}": could not evaluate process.pid (${String(error)})`);
    }
  }

  private onTerminate(session: vscode.DebugSession): void {
    this.launches.removeSession(session);
    const entry = this.debuggees.get(session.id);
    if (!entry) return;
    this.debuggees.delete(session.id);
    this.log.info(`Debug session "${topSession(session).name}" ended (debuggee PID ${entry.pid})`);
    // A launched debuggee is stopped with its session, so whatever outlives it is an orphan; an attached
    // process is meant to keep running after the debugger detaches.
    if (topSession(session).configuration.request !== 'attach') {
      this.handOffOrphans(`debug session "${topSession(session).name}"`, entry.pid, true);
    }
    this.sync();
  }

  private sync(): void {
    this.setRoots([...this.debuggees.values()].map((d) => d.pid));
  }
}
