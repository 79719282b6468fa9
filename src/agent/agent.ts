/**
 * The Process Vitals preload (dist/agent.js), loaded with NODE_OPTIONS=--require into Node programs
 * started from the workspace. This bundle has no dependencies and loads nothing eagerly: it costs a
 * process almost nothing until a Process Vitals endpoint is named in its environment.
 *
 * This release ships the bundle and the dormancy rule; the transport and the vitals it reports are
 * the agent work item's (see the README's roadmap). Until then it does nothing at all.
 */

/** The environment variable naming the extension's IPC endpoint; absent means stay dormant. */
export const AGENT_ENDPOINT_ENV = 'PROCESS_VITALS_AGENT_ENDPOINT';

/** Whether this process should talk to Process Vitals at all. */
export function agentShouldStart(env: NodeJS.ProcessEnv): boolean {
  return typeof env[AGENT_ENDPOINT_ENV] === 'string' && env[AGENT_ENDPOINT_ENV] !== '';
}
