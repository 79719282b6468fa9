/**
 * The Process Vitals preload (dist/agent.js), loaded with NODE_OPTIONS=--require into every Node
 * program started from the workspace (npm, tsc, test runners, worker threads too). It is a loader
 * of a few hundred bytes: at load it reads the environment and arms one unref'd timer; the agent
 * proper (dist/agentCore.js) and the modules it needs (`net`, `perf_hooks`, `inspector`, `v8`,
 * `async_hooks`) are loaded only when the program is still running CONNECT_GRACE_MS later. It never
 * writes to stdout/stderr, never throws into the program, never keeps it alive, and stays dormant
 * without an endpoint.
 *
 * Short-lived tools: a process done within the grace delay (`node -v`, most npx shims, a quick
 * `tsc --version`) never loads the agent proper nor connects; the package-manager front ends (npm,
 * npx, yarn, pnpm, corepack), which only launch the user's program, are skipped outright: the
 * programs they start get their own agent.
 * Worker threads: a worker runs the preload too; its agent has its own connection, and its hello
 * says threadId and isMainThread: false.
 */
import type * as AgentCoreModule from './agentCore';
import { AGENT_ENDPOINT_ENV, AGENT_SECRET_ENV, AGENT_TRACK_HANDLES_ENV } from './agentEnvironment';

export { AGENT_ENDPOINT_ENV } from './agentEnvironment';

/** How long after load the agent connects; shorter-lived processes never load it. */
export const CONNECT_GRACE_MS = 150;
/**
 * Waits before loading the agent proper again when it could not be loaded (dist/ being rebuilt or
 * replaced by an update at that moment); after the last, the agent stays dormant.
 */
const LOAD_RETRY_DELAYS_MS = [1000, 5000, 30_000];
/** Marks the agent as loaded in this thread (NODE_OPTIONS can name it twice, e.g. a terminal plus a debug launch). */
const LOADED = Symbol.for('processVitals.agent.loaded');
/** Main modules of package-manager front ends, which only start the user's program. */
const LAUNCHERS = /^(npm|npx|npm-cli\.js|npx-cli\.js|yarn|yarn\.c?js|pnpm|pnpx|pnpm\.c?js|pnpx\.c?js|corepack|corepack\.c?js)$/;

/** Whether this process should talk to Process Vitals at all. */
export function agentShouldStart(env: NodeJS.ProcessEnv, argv: readonly string[] = process.argv): boolean {
  if (typeof env[AGENT_ENDPOINT_ENV] !== 'string' || env[AGENT_ENDPOINT_ENV] === '') return false;
  if (typeof env[AGENT_SECRET_ENV] !== 'string' || env[AGENT_SECRET_ENV] === '') return false;
  const main = argv[1] ?? '';
  return !LAUNCHERS.test(main.slice(Math.max(main.lastIndexOf('/'), main.lastIndexOf('\\')) + 1));
}

type AgentCore = typeof AgentCoreModule;

/** Requires dist/agentCore.js beside this file; a computed path, so the bundler leaves it to run time. */
function loadCore(): AgentCore {
  const file = 'agentCore.js';
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a separate bundle, loaded late on purpose
  return require(`${__dirname}/${file}`) as AgentCore;
}

/** Starts the agent proper after delayMs, or tries again later when it cannot be loaded yet. */
function startLater(endpoint: string, secret: string, delayMs: number, retries: readonly number[]): void {
  setTimeout(() => {
    let core: AgentCore;
    try {
      core = loadCore();
    } catch {
      if (retries.length > 0) startLater(endpoint, secret, retries[0], retries.slice(1));
      return;
    }
    try {
      core.startAgent(endpoint, secret, false, 0);
    } catch {
      // The program must run exactly as it would without us.
    }
  }, delayMs).unref();
}

function load(): void {
  try {
    const env = process.env;
    if (!agentShouldStart(env)) return;
    const global = globalThis as unknown as Record<symbol, unknown>;
    if (global[LOADED]) return;
    global[LOADED] = true;
    const endpoint = env[AGENT_ENDPOINT_ENV]!;
    const secret = env[AGENT_SECRET_ENV]!;
    if (env[AGENT_TRACK_HANDLES_ENV] === '1') {
      // Tracking must see the program's first handles: load everything now.
      loadCore().startAgent(endpoint, secret, true, CONNECT_GRACE_MS);
      return;
    }
    startLater(endpoint, secret, CONNECT_GRACE_MS, LOAD_RETRY_DELAYS_MS);
  } catch {
    // The program must run exactly as it would without us.
  }
}

load();
