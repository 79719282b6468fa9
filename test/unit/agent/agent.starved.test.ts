import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { AgentServer, type AgentServerWarning } from '../../../src/monitor/agents/AgentServer';
import { ProgramDirectory, assertAgentBuilt, nextEvent } from './agentPrograms';

/** A program that stays alive (a ref'd interval) until killed. */
const LONG_RUNNING = `setInterval(() => {}, 1000);\n`;
/** The handshake deadlines these tests give each end, and the length of a busy event-loop turn: four times longer. */
const DEADLINE_MS = 50;
const TURN_MS = 4 * DEADLINE_MS;

/**
 * Keeps this process's event loop busy for TURN_MS in the check phase of every turn (as on a
 * starved machine, or in a program doing long synchronous work), until stopped.
 */
function busyTurns(): { stop(): void } {
  let busy = true;
  const turn = () => {
    const end = performance.now() + TURN_MS;
    while (performance.now() < end) {
      // This turn takes TURN_MS.
    }
    if (busy) setImmediate(turn);
  };
  setImmediate(turn);
  return { stop: () => (busy = false) };
}

describe('agent handshake when one end is slower than its deadline', function () {
  this.timeout(60_000);
  let server: AgentServer;
  let programs: ProgramDirectory;
  let warnings: AgentServerWarning[];

  before(() => assertAgentBuilt());
  beforeEach(() => {
    warnings = [];
    programs = new ProgramDirectory();
  });
  afterEach(() => {
    programs.dispose();
    server.dispose();
  });

  const listen = async (helloTimeoutMs?: number) => {
    server = await AgentServer.listen({ helloTimeoutMs });
    server.onWarning((w) => warnings.push(w));
  };
  const explained = <T>(promise: Promise<T>) =>
    promise.catch((error: Error) => {
      throw new Error(`${error.message}; server warnings: ${JSON.stringify(warnings.map((w) => w.message))}`);
    });

  it('accepts an agent whose hello arrived in time while the server\'s own turns outlasted the hello deadline', async () => {
    // The server accepts in one turn's poll and reads the hello in the next one's, after a busy
    // turn: a deadline judged before that read would drop every agent, every time it retries.
    await listen(DEADLINE_MS);
    const file = programs.write('idle.js', LONG_RUNNING);
    const connected = nextEvent(server.onDidConnect);
    const child = programs.start(file, true, server.environment());
    const turns = busyTurns();
    try {
      assert.equal((await explained(connected)).hello.pid, child.pid);
    } finally {
      turns.stop();
    }
    await explained(nextEvent(server.onDidReport, (e) => e.agent.hello.pid === child.pid));
  });

  it('lets an agent whose program\'s every turn outlasts the welcome deadline keep its welcome and report', async () => {
    // The agent sends its hello in one turn's poll and can read the welcome only in the next
    // one's, after a busy turn: a deadline judged before that read would hang up on every welcome.
    await listen();
    let welcomes = 0;
    let hangUps = 0;
    server.onDidConnect(() => welcomes++);
    server.onDidDisconnect(() => hangUps++);
    const child = programs.start(join(__dirname, 'slowTurnAgentProgram.js'), false, {
      ...server.environment(),
      SLOW_TURN_WELCOME_TIMEOUT_MS: String(DEADLINE_MS),
      SLOW_TURN_MS: String(TURN_MS),
    });
    await nextEvent(server.onDidReport, (e) => e.agent.hello.pid === child.pid).catch((error: Error) => {
      throw new Error(`${error.message}: the server welcomed the agent ${welcomes} times and it hung up ${hangUps} times`);
    });
  });
});
