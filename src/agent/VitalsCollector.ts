import type { Histogram, IntervalHistogram, RecordableHistogram, EventLoopUtilization } from 'node:perf_hooks';
import type * as DiagnosticsChannel from 'node:diagnostics_channel';
import type * as PerfHooks from 'node:perf_hooks';
import { lazyBuiltin } from './lazyBuiltin';
import {
  COARSE_LOOP_DELAY_RESOLUTION_MS,
  FINE_LOOP_DELAY_RESOLUTION_MS,
  type AgentReport,
  type HttpServerInterval,
  type LoopDelay,
} from './agentProtocol';
import type { ErrorObserver } from './ErrorObserver';
import { GcTracker } from './GcTracker';
/** Above this event-loop utilization the delay histogram runs even without fine detail: the loop is awake anyway. */
const BUSY_UTILIZATION = 0.02;
const HTTP_START = Symbol('processVitals.httpStart');
const MAX_RESOURCE_TYPES = 64;

interface HttpMessage {
  readonly response?: { statusCode?: number; [HTTP_START]?: number };
}

type Channel = { subscribe(fn: (message: unknown) => void): void; unsubscribe(fn: (message: unknown) => void): void };

/** HTTP is observed for one report interval in this many (and for every one while fine detail is on). */
const HTTP_SAMPLE_EVERY = 20;

/**
 * Gathers one report per call from cheap sources: process.memoryUsage(), GC figures (GcTracker;
 * sampled in processes that collect often), event-loop utilization, monitorEventLoopDelay (only
 * while the loop is busy or a user asked for detail: an idle process then has one wake-up per
 * report), getActiveResourcesInfo(), and the http.server diagnostics channels (sampled: see
 * setHttpObserving). Everything it starts, stop() undoes.
 */
export class VitalsCollector {
  private readonly perfHooks: typeof PerfHooks = lazyBuiltin('node:perf_hooks');
  private readonly gc = new GcTracker();
  private loopDelay: IntervalHistogram | undefined;
  private loopDelayResolutionMs = 0;
  private lastUtilization: EventLoopUtilization;
  private lastReportAt: number;
  private seq = 0;
  private fine = false;
  private busy = false;
  private httpLatency: RecordableHistogram;
  private httpStatus = [0, 0, 0, 0, 0];
  private httpRequests = 0;
  private httpSeen = false;
  /** Whether the http.server channels are subscribed for the current report interval. */
  private httpObserving = false;
  /** The newest observed HTTP figures, repeated until the next observation. */
  private httpLast: HttpServerInterval | null = null;
  private readonly channels: Array<[Channel, (message: unknown) => void]> = [];

  constructor(private readonly errors: ErrorObserver) {
    const { performance } = this.perfHooks;
    this.lastUtilization = performance.eventLoopUtilization();
    this.lastReportAt = performance.now();
    this.httpLatency = this.perfHooks.createHistogram();
    // Observed until the first request, so a server shows up at once; then HTTP is sampled.
    this.setHttpObserving(true);
  }

  /** Fine event-loop delay resolution on or off. */
  setFine(fine: boolean): void {
    this.fine = fine;
    this.updateLoopDelay();
    this.gc.setFine(fine);
    if (fine) this.setHttpObserving(true);
  }

  /** Builds the report for the interval since the previous call. timerLatenessMs: how late the report timer fired. */
  collect(timerLatenessMs: number): AgentReport {
    const { performance } = this.perfHooks;
    const now = performance.now();
    const utilization = performance.eventLoopUtilization(this.lastUtilization);
    this.lastUtilization = performance.eventLoopUtilization();
    const intervalMs = now - this.lastReportAt;
    this.lastReportAt = now;

    const http = this.readHttp(intervalMs);
    // Observe the next interval when a user looks closely at this process, else one in HTTP_SAMPLE_EVERY.
    // Until the first request, observing costs nothing (no server publishes), so it stays on.
    this.setHttpObserving(this.fine || !this.httpSeen || (this.seq + 1) % HTTP_SAMPLE_EVERY === 0);
    const delay = this.readLoopDelay(timerLatenessMs);
    this.busy = utilization.utilization >= BUSY_UTILIZATION;
    this.updateLoopDelay();

    const memory = process.memoryUsage();
    this.gc.endInterval(this.fine);
    const gc = this.gc.read();
    const gcSampling = this.gc.sampling();
    return {
      type: 'report',
      seq: this.seq++,
      time: Date.now(),
      intervalMs: round(intervalMs),
      memory: {
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        external: memory.external,
        arrayBuffers: memory.arrayBuffers,
      },
      heapAfterGc: this.gc.heapAfterGc,
      gc,
      ...(gcSampling ? { gcSampling } : {}),
      eventLoopUtilization: Math.min(1, Math.max(0, round(utilization.utilization, 4))),
      eventLoopDelay: delay,
      activeResources: countResources(),
      http,
      uncaughtExceptions: this.errors.uncaughtExceptions,
      unhandledRejections: this.errors.unhandledRejections,
      fineDetail: this.fine,
    };
  }

  /** Stops every observer, histogram and subscription. */
  stop(): void {
    this.gc.stop();
    this.loopDelay?.disable();
    this.loopDelay = undefined;
    this.setHttpObserving(false);
  }

  /**
   * Subscribes to or unsubscribes from the http.server channels. Node builds and publishes a message
   * per request only while a channel has subscribers. Counted with valgrind on a hello-world server,
   * subscribing costs +4.5% instructions per request and this bookkeeping (start time, status,
   * latency histogram) brings it to +7.2%; wall-clock runs had suggested 15-30%. Either is too much
   * for a 2% budget when always on: so HTTP is sampled (one interval in HTTP_SAMPLE_EVERY: ~0.4%).
   */
  private setHttpObserving(observing: boolean): void {
    if (observing === this.httpObserving) return;
    this.httpObserving = observing;
    if (!observing) {
      for (const [channel, listener] of this.channels) channel.unsubscribe(listener);
      this.channels.length = 0;
      return;
    }
    const dc: typeof DiagnosticsChannel = lazyBuiltin('node:diagnostics_channel');
    const onStart = (message: unknown): void => {
      const response = (message as HttpMessage).response;
      if (response) response[HTTP_START] = this.perfHooks.performance.now();
      this.httpRequests++;
      this.httpSeen = true;
    };
    const onFinish = (message: unknown): void => {
      const response = (message as HttpMessage).response;
      if (!response) return;
      const status = response.statusCode ?? 0;
      const statusClass = Math.floor(status / 100) - 1;
      if (statusClass >= 0 && statusClass < 5) this.httpStatus[statusClass]++;
      const start = response[HTTP_START];
      if (start !== undefined) {
        // Microseconds: the histogram records integers >= 1.
        this.httpLatency.record(Math.max(1, Math.round((this.perfHooks.performance.now() - start) * 1000)));
      }
    };
    for (const [name, listener] of [['http.server.request.start', onStart], ['http.server.response.finish', onFinish]] as const) {
      const channel = dc.channel(name) as unknown as Channel;
      channel.subscribe(listener);
      this.channels.push([channel, listener]);
    }
  }

  /** The figures of the interval just ended if it was observed, else the newest observed ones again. */
  private readHttp(intervalMs: number): HttpServerInterval | null {
    if (!this.httpSeen) return null;
    if (!this.httpObserving) return this.httpLast;
    const h = this.httpLatency;
    const any = h.count > 0;
    const out: HttpServerInterval = {
      requests: this.httpRequests,
      status1xx: this.httpStatus[0],
      status2xx: this.httpStatus[1],
      status3xx: this.httpStatus[2],
      status4xx: this.httpStatus[3],
      status5xx: this.httpStatus[4],
      latencyP50Ms: any ? round(h.percentile(50) / 1000) : 0,
      latencyP90Ms: any ? round(h.percentile(90) / 1000) : 0,
      latencyP99Ms: any ? round(h.percentile(99) / 1000) : 0,
      latencyMaxMs: any ? round(h.max / 1000) : 0,
      observedMs: round(intervalMs),
      observedAt: Date.now(),
    };
    h.reset();
    this.httpStatus = [0, 0, 0, 0, 0];
    this.httpRequests = 0;
    this.httpLast = out;
    return out;
  }

  private readLoopDelay(timerLatenessMs: number): LoopDelay {
    const h = this.loopDelay;
    if (h && h.count > 0) {
      const out = histogramDelay(h, this.loopDelayResolutionMs);
      h.reset();
      return out;
    }
    const lateness = round(Math.max(0, timerLatenessMs));
    return { source: 'timer', resolutionMs: 0, samples: 1, min: lateness, mean: lateness, p50: lateness, p90: lateness, p99: lateness, max: lateness };
  }

  /** Runs the delay histogram at the resolution the current state calls for, or not at all. */
  private updateLoopDelay(): void {
    const wanted = this.fine ? FINE_LOOP_DELAY_RESOLUTION_MS : this.busy ? COARSE_LOOP_DELAY_RESOLUTION_MS : 0;
    if (wanted === this.loopDelayResolutionMs) return;
    this.loopDelay?.disable();
    this.loopDelay = undefined;
    this.loopDelayResolutionMs = wanted;
    if (wanted > 0) {
      this.loopDelay = this.perfHooks.monitorEventLoopDelay({ resolution: wanted });
      this.loopDelay.enable();
    }
  }
}

/** The histogram's figures in ms. Its values include the resolution itself; subtract it, as the delay is the lateness. */
function histogramDelay(h: Histogram, resolutionMs: number): LoopDelay {
  const ms = (ns: number) => round(Math.max(0, ns / 1e6 - resolutionMs));
  return {
    source: 'histogram',
    resolutionMs,
    samples: h.count,
    min: ms(h.min),
    mean: ms(h.mean),
    p50: ms(h.percentile(50)),
    p90: ms(h.percentile(90)),
    p99: ms(h.percentile(99)),
    max: ms(h.max),
  };
}

/** getActiveResourcesInfo() counted by type, on a null prototype (type names come from the runtime). */
function countResources(): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  let types = 0;
  for (const name of process.getActiveResourcesInfo()) {
    if (out[name] !== undefined) out[name]++;
    else if (types < MAX_RESOURCE_TYPES && /^[A-Za-z][A-Za-z0-9_.]{0,63}$/.test(name)) {
      out[name] = 1;
      types++;
    }
  }
  return out;
}

function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
