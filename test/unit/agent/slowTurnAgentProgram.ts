/**
 * A program for the agent tests, run as `node out/test/unit/agent/slowTurnAgentProgram.js` with the
 * endpoint and secret in its environment, and SLOW_TURN_WELCOME_TIMEOUT_MS and SLOW_TURN_MS: an
 * AgentClient with a short welcome deadline inside a program whose every event-loop turn is busy
 * for longer than that deadline, as a program on a starved machine is. The real loader is not
 * used because its deadline cannot be shortened; the client is the same.
 */
import { AgentClient } from '../../../src/agent/AgentClient';
import { AGENT_ENDPOINT_ENV, AGENT_SECRET_ENV } from '../../../src/agent/agentEnvironment';

const welcomeTimeoutMs = Number(process.env.SLOW_TURN_WELCOME_TIMEOUT_MS);
const turnMs = Number(process.env.SLOW_TURN_MS);
new AgentClient({ endpoint: process.env[AGENT_ENDPOINT_ENV]!, secret: process.env[AGENT_SECRET_ENV]!, welcomeTimeoutMs }).start(0);

// Busy in the check phase of every turn: right after the poll in which the agent's 'connect'
// callback sends its hello, and before the next turn's timers.
function turn(): void {
  const end = performance.now() + turnMs;
  while (performance.now() < end) {
    // This turn takes turnMs.
  }
  setImmediate(turn);
}
setImmediate(turn);
