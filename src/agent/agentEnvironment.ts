/**
 * The environment variables that configure the agent. Kept apart from the protocol so the loader
 * (dist/agent.js, compiled in every Node process) stays a few hundred bytes.
 */

/** Environment variable naming the endpoint (Unix socket path or Windows pipe name); absent means the agent stays dormant. */
export const AGENT_ENDPOINT_ENV = 'PROCESS_VITALS_AGENT_ENDPOINT';
/** Environment variable holding the per-session secret the agent must present in its hello. */
export const AGENT_SECRET_ENV = 'PROCESS_VITALS_AGENT_SECRET';
/** Environment variable that, when '1', starts handle/timer tracking at load so every handle has a creation stack. */
export const AGENT_TRACK_HANDLES_ENV = 'PROCESS_VITALS_AGENT_TRACK_HANDLES';
/** Environment variable set per debug launch by the extension; the agent repeats it in its hello so the debug session knows its process. */
export const AGENT_LAUNCH_TOKEN_ENV = 'PROCESS_VITALS_LAUNCH';
