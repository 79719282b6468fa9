/**
 * Entry point of the monitor's worker thread (dist/monitorWorker.js). Sampling does synchronous
 * /proc reads, which are 7-10x cheaper than fs.promises; doing them here keeps the extension host's
 * event loop and libuv threadpool free.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MONITOR_PROTOCOL_VERSION, type FromMonitorWorker, type MonitorWorkerData, type ToMonitorWorker } from './monitorProtocol';
import { createProcessSource } from './processes/createProcessSource';
import { SamplingLoop } from './SamplingLoop';

const port = parentPort;
if (!port) throw new Error('monitorWorker.js must run as a worker thread');
const data = workerData as MonitorWorkerData;
const post = (message: FromMonitorWorker) => port.postMessage(message);

if (data?.version !== MONITOR_PROTOCOL_VERSION) {
  post({ type: 'failure', message: `monitor worker protocol ${MONITOR_PROTOCOL_VERSION} does not match ${data?.version}` });
} else {
  const loop = new SamplingLoop({
    source: createProcessSource(process.platform, { fullScanIntervalMs: data.fullScanIntervalMs }),
    post,
    intervalMs: data.intervalMs,
  });
  port.on('message', (message: ToMonitorWorker) => loop.handle(message));
  port.once('close', () => loop.dispose());
  post({ type: 'ready', version: MONITOR_PROTOCOL_VERSION, platform: process.platform });
  loop.start();
}
