import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { AgentServer } from '../monitor/agents/AgentServer';
import { agentRequireOption, nodeOptionsWithAgent } from '../monitor/agents/agentNodeOptions';
import { AGENT_LAUNCH_TOKEN_ENV } from '../agent/agentProtocol';
import { newLaunchToken } from './debugLaunchToken';

/** workspaceState key of this window's agent endpoint, reused so running agents reconnect after a reload. */
const ENDPOINT_KEY = 'processVitals.agent.endpoint';
/** SecretStorage key of the per-window agent secret. */
const SECRET_KEY = 'processVitals.agent.secret';
/** Debug types whose launches get the agent: js-debug's Node types (the legacy `node` type maps to js-debug). */
const NODE_DEBUG_TYPES = ['node', 'pwa-node', 'node-terminal'] as const;

/** Why the agent is or is not injected, for the log and the tests. */
export type InjectionState = 'injected' | 'disabled' | 'untrusted' | 'unavailable';

/**
 * Runs this window's AgentServer and puts the agent into Node programs started from the workspace:
 * integrated terminals (and so tasks) through the environment variable collection, Node launch
 * configurations through a debug configuration provider. Untrusted workspaces get nothing; turning
 * the setting off removes the injection (VS Code offers to relaunch affected terminals).
 */
export class AgentInjection implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private enabled: boolean;
  private currentState: InjectionState = 'unavailable';

  private constructor(
    /** The server agents talk to. */
    readonly server: AgentServer,
    private readonly context: vscode.ExtensionContext,
    private readonly agentPath: string,
    private readonly log: vscode.LogOutputChannel,
    enabled: boolean,
  ) {
    this.enabled = enabled;
    const provider: vscode.DebugConfigurationProvider = {
      resolveDebugConfigurationWithSubstitutedVariables: (_folder, configuration) => this.injectIntoLaunch(configuration),
    };
    for (const type of NODE_DEBUG_TYPES) this.disposables.push(vscode.debug.registerDebugConfigurationProvider(type, provider));
    this.disposables.push(vscode.workspace.onDidGrantWorkspaceTrust(() => this.apply()));
    this.apply();
  }

  /**
   * Starts the server on this window's endpoint (a fresh one if the stored one cannot be used) and
   * applies the injection. Resolves undefined when no server can listen: monitoring goes on without V8 vitals.
   */
  static async start(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, enabled: boolean): Promise<AgentInjection | undefined> {
    const agentPath = vscode.Uri.joinPath(context.extensionUri, 'dist', 'agent.js').fsPath;
    const endpoint = context.workspaceState.get<string>(ENDPOINT_KEY);
    const secret = await context.secrets.get(SECRET_KEY);
    let server: AgentServer | undefined;
    if (endpoint && secret) {
      try {
        server = await AgentServer.listen({ endpoint, secret });
      } catch (error) {
        // Another window of this workspace may hold it: start afresh rather than fail.
        log.info(`Agent endpoint ${endpoint} is not available (${(error as Error).message}); using a new one`);
      }
    }
    if (!server) {
      const fresh = randomBytes(32).toString('hex');
      try {
        server = await AgentServer.listen({ secret: fresh });
      } catch (error) {
        log.error(`The Node agent is unavailable: its endpoint could not be opened (${(error as Error).message})`);
        return undefined;
      }
      await context.workspaceState.update(ENDPOINT_KEY, server.endpoint);
      await context.secrets.store(SECRET_KEY, fresh);
    }
    return new AgentInjection(server, context, agentPath, log, enabled);
  }

  /** Whether the agent is injected now, and if not, why. */
  get state(): InjectionState {
    return this.currentState;
  }

  /** Follows the agent setting. */
  setEnabled(enabled: boolean): void {
    if (enabled === this.enabled) return;
    this.enabled = enabled;
    this.apply();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.server.dispose();
  }

  private apply(): void {
    const collection = this.context.environmentVariableCollection;
    const next: InjectionState = !this.enabled ? 'disabled' : !vscode.workspace.isTrusted ? 'untrusted' : 'injected';
    if (next !== 'injected') {
      collection.clear();
    } else {
      // Kept across reloads: the endpoint and secret are stable per workspace, so restored terminals stay right.
      collection.persistent = true;
      collection.description = new vscode.MarkdownString(
        'Process Vitals adds its agent to Node programs started here (`NODE_OPTIONS=--require …`) to show heap, GC and event-loop vitals. Turn it off with the `processVitals.agent.enabled` setting.',
      );
      // Prepended, never replaced: the user's own NODE_OPTIONS stay after ours.
      collection.prepend('NODE_OPTIONS', `${agentRequireOption(this.agentPath)} `);
      for (const [name, value] of Object.entries(this.server.environment())) collection.replace(name, value);
    }
    if (next !== this.currentState) {
      this.log.info(
        next === 'injected'
          ? `Node agent injected into new terminals, tasks and Node launches (endpoint ${this.server.endpoint})`
          : `Node agent not injected: ${next === 'disabled' ? 'processVitals.agent.enabled is off' : 'the workspace is not trusted'}`,
      );
    }
    this.currentState = next;
  }

  private injectIntoLaunch(configuration: vscode.DebugConfiguration): vscode.DebugConfiguration {
    // Attaching cannot change a running process's environment.
    if (this.currentState !== 'injected' || configuration.request === 'attach') return configuration;
    const env: Record<string, string | null> = { ...(configuration.env ?? {}) };
    const existing = typeof env.NODE_OPTIONS === 'string' ? env.NODE_OPTIONS : process.env.NODE_OPTIONS;
    env.NODE_OPTIONS = nodeOptionsWithAgent(this.agentPath, existing);
    Object.assign(env, this.server.environment());
    // Names this launch in its agent's hello, so the debug session knows its process as soon as the agent connects.
    env[AGENT_LAUNCH_TOKEN_ENV] = newLaunchToken();
    return { ...configuration, env };
  }
}
