import type { WatchedProcess } from '../Monitor';
import type { LeakVerdict } from '../leaks/LeakVerdict';
import type { ProcessObservation } from './AlertRules';

/**
 * What the alert rules see of a watched process: the OS figures, and the agent's while it is
 * connected (a disconnected agent's last report is stale, so its figures are left out).
 */
export function observe(process: WatchedProcess, leakVerdicts?: readonly LeakVerdict[]): ProcessObservation {
  const agent = process.agent?.connected ? process.agent.latest : undefined;
  const handles = agent ? Object.values(agent.activeResources).reduce((sum, n) => sum + n, 0) : undefined;
  return {
    processKey: process.key,
    pid: process.info.pid,
    name: process.info.name,
    cpuPercent: process.latest?.cpuPercent,
    rssBytes: process.latest?.rssBytes,
    heapUsedBytes: agent?.memory.heapUsed,
    eventLoopDelayP99Ms: agent?.eventLoopDelay.p99,
    activeHandles: handles,
    httpRequests: agent?.http?.requests,
    http5xx: agent?.http?.status5xx,
    leakVerdicts,
  };
}
