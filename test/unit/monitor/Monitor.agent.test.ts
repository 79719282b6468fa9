import { strict as assert } from 'node:assert';
import type { AgentReport } from '../../../src/agent/agentProtocol';
import type { AgentConnectionInfo, AgentReportEvent } from '../../../src/monitor/agents/AgentServer';
import { Emitter } from '../../../src/monitor/events';
import { Monitor, gcPauseRate, type AgentReportSource } from '../../../src/monitor/Monitor';
import type { ProcessInfo, ProcessReadResult, ProcessReading, ProcessSource } from '../../../src/monitor/processes/ProcessSource';
import { VALID_HELLO, VALID_REPORT } from '../agent/agentFrames';
import { nextEvent } from '../nextEvent';

const START = 1_700_000_000_000;

class TableSource implements ProcessSource {
  table: ProcessReading[] = [];
  async read(roots: readonly number[]): Promise<ProcessReadResult> {
    return { readings: this.table.filter((r) => roots.includes(r.pid)), warnings: [] };
  }
  async listAll(): Promise<ProcessInfo[]> {
    return this.table;
  }
  dispose(): void {}
}

/** Stands in for an AgentServer: the test fires its events. */
class ScriptedAgents implements AgentReportSource {
  readonly reports = new Emitter<AgentReportEvent>();
  readonly disconnects = new Emitter<AgentConnectionInfo>();
  readonly onDidReport = this.reports.event;
  readonly onDidDisconnect = this.disconnects.event;

  agent(pid: number, startTime: number, threadId = 0): AgentConnectionInfo {
    const { secret: _secret, ...hello } = { ...VALID_HELLO, pid, startTime, threadId, isMainThread: threadId === 0 };
    return { key: `${pid}:${threadId}`, hello, connectedAt: Date.now(), latest: undefined };
  }

  report(agent: AgentConnectionInfo, patch: Partial<AgentReport> = {}): AgentReport {
    const report = { ...VALID_REPORT, time: Date.now(), ...patch };
    this.reports.fire({ agent, report });
    return report;
  }
}


describe('Monitor with Node agents', () => {
  let source: TableSource;
  let agents: ScriptedAgents;
  let monitor: Monitor;
  const reading = (pid: number, startTime = START + pid): ProcessReading => ({ pid, ppid: 1, startTime, name: 'node', command: 'node app.js', cpuTimeMs: 0, rssBytes: 1e6 });

  beforeEach(() => {
    source = new TableSource();
    agents = new ScriptedAgents();
    monitor = new Monitor({ intervalMs: 250, historyMinutes: 1, inProcessSource: source, agents });
  });
  afterEach(() => monitor.dispose());

  it('stores the agent on the watched process with the same pid and start time, and samples its series', async () => {
    source.table = [reading(100)];
    monitor.setRoots('t', [100]);
    await nextEvent(monitor.onDidAppear);
    const agent = agents.agent(100, START + 100 + 900); // within clock resolution
    const merged = nextEvent(monitor.onDidAgentReport);
    agents.report(agent, { memory: { ...VALID_REPORT.memory, heapUsed: 12345 } });
    const event = await merged;
    assert.equal(event.process.info.pid, 100);
    assert.equal(monitor.get(100)?.agent?.latest.memory.heapUsed, 12345);
    assert.equal(monitor.get(100)?.agent?.hello.pid, 100);
    await nextEvent(monitor.onDidSample);
    const history = monitor.get(100)!.history;
    assert.equal(history.latest('heapUsedBytes'), 12345);
    assert.equal(history.latest('activeHandles'), 3);
    assert.equal(history.latest('eventLoopDelayP99Ms'), VALID_REPORT.eventLoopDelay.p99);
    assert.ok(history.keys.includes('heapAfterGcBytes'));
  });

  it('samples GC pause per second from the difference of two reports\' cumulative totals', async () => {
    source.table = [reading(150)];
    monitor.setRoots('t', [150]);
    await nextEvent(monitor.onDidAppear);
    const agent = agents.agent(150, START + 150);
    const gc = (minorMs: number, majorMs: number) => ({ ...VALID_REPORT.gc, minor: { count: 10, pauseMs: minorMs }, major: { count: 1, pauseMs: majorMs } });
    const now = Date.now();
    agents.report(agent, { time: now - 2000, gc: gc(10, 20) });
    agents.report(agent, { time: now, gc: gc(16, 34) });
    await nextEvent(monitor.onDidSample);
    // (6 + 14) ms over 2 s.
    assert.equal(monitor.get(150)!.history.latest('gcPauseMs'), 10);
  });

  it('gives no GC pause rate across reports that do not follow each other', () => {
    const at = (time: number, pauseMs: number): AgentReport => ({ ...VALID_REPORT, time, gc: { ...VALID_REPORT.gc, minor: { count: 1, pauseMs } } });
    assert.equal(gcPauseRate(at(1000, 5), at(2000, 7.5)), 2.5);
    assert.ok(Number.isNaN(gcPauseRate(at(1000, 50), at(2000, 1))), 'totals went back: a reconnected agent');
    assert.ok(Number.isNaN(gcPauseRate(at(2000, 5), at(2000, 6))), 'no time between them');
  });

  it('gives processes without an agent no agent series at all', async () => {
    source.table = [reading(200)];
    monitor.setRoots('t', [200]);
    await nextEvent(monitor.onDidSample);
    await nextEvent(monitor.onDidSample);
    const p = monitor.get(200)!;
    assert.equal(p.agent, undefined);
    assert.deepEqual([...p.history.keys], ['cpuPercent', 'rssBytes']);
    assert.ok(p.history.recent('heapUsedBytes').values.every(Number.isNaN));
  });

  it('ignores an agent whose start time shows it is another process with a reused pid', async () => {
    source.table = [reading(300)];
    monitor.setRoots('t', [300]);
    await nextEvent(monitor.onDidAppear);
    agents.report(agents.agent(300, START + 300 + 60_000));
    await nextEvent(monitor.onDidSample);
    assert.equal(monitor.get(300)?.agent, undefined);
  });

  it('keeps an early report until the OS tick shows the process', async () => {
    agents.report(agents.agent(400, START + 400));
    const merged = nextEvent(monitor.onDidAgentReport);
    source.table = [reading(400)];
    monitor.setRoots('t', [400]);
    assert.equal((await merged).process.info.pid, 400);
    assert.ok(monitor.get(400)?.agent);
  });

  it('records worker threads apart and stops sampling a disconnected agent', async () => {
    source.table = [reading(500)];
    monitor.setRoots('t', [500]);
    await nextEvent(monitor.onDidAppear);
    const main = agents.agent(500, START + 500);
    const worker = agents.agent(500, START + 500, 1);
    agents.report(main);
    agents.report(worker, { memory: { ...VALID_REPORT.memory, heapUsed: 777 } });
    assert.equal(monitor.get(500)?.agent?.workers.get(1)?.memory.heapUsed, 777);
    assert.notEqual(monitor.get(500)?.agent?.latest.memory.heapUsed, 777);
    agents.disconnects.fire(worker);
    assert.equal(monitor.get(500)?.agent?.workers.size, 0);
    agents.disconnects.fire(main);
    assert.equal(monitor.get(500)?.agent?.connected, false);
    await nextEvent(monitor.onDidSample);
    await nextEvent(monitor.onDidSample);
    assert.ok(!Number.isFinite(monitor.get(500)!.history.latest('heapUsedBytes') ?? NaN));
  });
});
