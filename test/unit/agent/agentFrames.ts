/** Valid frames for the protocol and server tests, which change one field at a time. */
import { AGENT_PROTOCOL_VERSION, type AgentHello, type AgentReport } from '../../../src/agent/agentProtocol';

/** A valid hello; tests change one field at a time. */
export const VALID_HELLO: AgentHello = {
  type: 'hello', version: AGENT_PROTOCOL_VERSION, secret: 's', pid: 42, ppid: 1, threadId: 0, isMainThread: true,
  startTime: 1_700_000_000_000, argv: ['/usr/bin/node', '/app/server.js'], execArgv: [], cwd: '/app',
  nodeVersion: 'v20.20.0', platform: 'linux', arch: 'x64', trackingHandlesFromStart: false,
};

/** A valid report; tests change one field at a time. */
export const VALID_REPORT: AgentReport = {
  type: 'report', seq: 3, time: 1_700_000_001_000, intervalMs: 1000.2,
  memory: { rss: 50e6, heapUsed: 10e6, heapTotal: 20e6, external: 1e6, arrayBuffers: 1e4 },
  heapAfterGc: 8e6,
  gc: { minor: { count: 3, pauseMs: 1.5 }, major: { count: 1, pauseMs: 4 }, incremental: { count: 0, pauseMs: 0 }, weakCallbacks: { count: 0, pauseMs: 0 } },
  eventLoopUtilization: 0.25,
  eventLoopDelay: { source: 'histogram', resolutionMs: 100, samples: 10, min: 0, mean: 0.5, p50: 0.3, p90: 1, p99: 2, max: 3 },
  activeResources: { Timeout: 2, TCPServerWrap: 1 },
  http: { requests: 10, status1xx: 0, status2xx: 9, status3xx: 0, status4xx: 1, status5xx: 0, latencyP50Ms: 1, latencyP90Ms: 2, latencyP99Ms: 3, latencyMaxMs: 4 },
  uncaughtExceptions: 0, unhandledRejections: 1, fineDetail: false,
};
