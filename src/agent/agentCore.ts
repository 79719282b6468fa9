/**
 * The agent proper (dist/agentCore.js), required by the loader (dist/agent.js) only in processes
 * that outlive the connect grace delay, or at once when handle tracking must start with the program.
 */
import { AgentClient } from './AgentClient';
import { HandleTracker } from './HandleTracker';

/** Connects to Process Vitals after delayMs; with trackHandles, tracks handles and timers from now on. */
export function startAgent(endpoint: string, secret: string, trackHandles: boolean, delayMs: number): void {
  let tracker: HandleTracker | undefined;
  if (trackHandles) {
    tracker = new HandleTracker();
    tracker.start();
  }
  new AgentClient({ endpoint, secret, handleTracker: tracker }).start(delayMs);
}
