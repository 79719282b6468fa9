/**
 * The alert rules: what is measured, against which threshold, and how bad it is. Pure data and
 * functions: the AlertEngine applies them over time (sustain, hysteresis, cooldown, escalation).
 */
import type { LeakVerdict } from '../leaks/LeakVerdict';

/** How bad an alert is. */
export type AlertSeverity = 'warning' | 'error';

/** The rules there are. */
export type AlertRuleId = 'cpu' | 'rss' | 'heap' | 'eventLoopDelay' | 'handles' | 'httpErrors' | 'leak';

/** Every rule id, in the order views list them. */
export const ALERT_RULE_IDS: readonly AlertRuleId[] = ['leak', 'heap', 'rss', 'cpu', 'eventLoopDelay', 'handles', 'httpErrors'];

/** What one process looks like at one evaluation: the newest figures, undefined where unknown. */
export interface ProcessObservation {
  /** pid@startTime. */
  readonly processKey: string;
  readonly pid: number;
  readonly name: string;
  readonly cpuPercent?: number;
  readonly rssBytes?: number;
  readonly heapUsedBytes?: number;
  readonly eventLoopDelayP99Ms?: number;
  readonly activeHandles?: number;
  /** Requests the HTTP server finished over the last interval, and how many were 5xx. */
  readonly httpRequests?: number;
  readonly http5xx?: number;
  readonly leakVerdicts?: readonly LeakVerdict[];
}

/** Thresholds of every rule; a rule whose threshold is 0 is off. */
export interface AlertThresholds {
  readonly cpuPercent: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly eventLoopDelayP99Ms: number;
  readonly activeHandles: number;
  /** Share of 5xx responses, 0..1, over at least `httpMinRequests` requests. */
  readonly httpErrorRatio: number;
  readonly httpMinRequests: number;
  /** Least confidence of a 'leak' verdict that raises an alert, 0..1. */
  readonly leakConfidence: number;
}

/** Defaults chosen to stay quiet on ordinary development workloads. */
export const DEFAULT_THRESHOLDS: AlertThresholds = {
  cpuPercent: 90,
  rssBytes: 2 * 1024 ** 3,
  heapUsedBytes: 1024 ** 3,
  eventLoopDelayP99Ms: 200,
  activeHandles: 5000,
  httpErrorRatio: 0.05,
  httpMinRequests: 20,
  leakConfidence: 0.95,
};

/** Below threshold x this factor, a breached rule counts as cleared: hysteresis against flapping. */
export const CLEAR_FACTOR = 0.9;

/** One rule's reading of one observation. */
export interface RuleReading {
  /** The figure the rule compares (for leaks: the growth rate). */
  readonly value: number;
  readonly threshold: number;
  /** Over the threshold now. */
  readonly breached: boolean;
  /** Below the clear level now (breached implies not cleared; between the two, the state holds). */
  readonly cleared: boolean;
  /** The severity the reading deserves on its own. */
  readonly severity: AlertSeverity;
  /** One line saying what is wrong, for the tree, notifications and the webhook. */
  readonly message: string;
  /**
   * The reading is already a judgement over time with its own hysteresis (a leak verdict needs 30 s
   * of growth that survived a major GC): a breach raises the alert at once instead of after the
   * sustain period, which would only delay it. Clearing still takes the sustain period.
   */
  readonly judgedOverTime?: boolean;
}

/** Reads one rule on one observation; undefined when the rule is off or the figure is unknown. */
export function readRule(rule: AlertRuleId, o: ProcessObservation, t: AlertThresholds): RuleReading | undefined {
  switch (rule) {
    case 'cpu':
      return above(o.cpuPercent, t.cpuPercent, (v) => `CPU ${Math.round(v)}% (over ${t.cpuPercent}%)`);
    case 'rss':
      return above(o.rssBytes, t.rssBytes, (v) => `memory ${mib(v)} (over ${mib(t.rssBytes)})`);
    case 'heap':
      return above(o.heapUsedBytes, t.heapUsedBytes, (v) => `JS heap ${mib(v)} (over ${mib(t.heapUsedBytes)})`);
    case 'eventLoopDelay':
      return above(o.eventLoopDelayP99Ms, t.eventLoopDelayP99Ms, (v) => `event-loop delay p99 ${Math.round(v)} ms (over ${t.eventLoopDelayP99Ms} ms)`);
    case 'handles':
      return above(o.activeHandles, t.activeHandles, (v) => `${Math.round(v)} active handles (over ${t.activeHandles})`);
    case 'httpErrors': {
      if (o.httpRequests === undefined || o.http5xx === undefined || t.httpErrorRatio <= 0) return undefined;
      // Too few requests say nothing about an error rate: neither breach nor clear.
      if (o.httpRequests < t.httpMinRequests) return undefined;
      return above(o.http5xx / o.httpRequests, t.httpErrorRatio, (v) => `${(v * 100).toFixed(1)}% of HTTP responses are 5xx (over ${(t.httpErrorRatio * 100).toFixed(0)}%)`);
    }
    case 'leak':
      return readLeak(o.leakVerdicts, t.leakConfidence);
  }
}

function above(value: number | undefined, threshold: number, describe: (v: number) => string): RuleReading | undefined {
  if (value === undefined || !Number.isFinite(value) || !(threshold > 0)) return undefined;
  const breached = value > threshold;
  return {
    value,
    threshold,
    breached,
    cleared: value < threshold * CLEAR_FACTOR,
    // Twice the threshold is no longer a warning.
    severity: value >= threshold * 2 ? 'error' : 'warning',
    message: describe(value),
  };
}

/** Ten minutes to the heap limit or less is an error: the process is about to crash. */
const LEAK_ERROR_SECONDS_TO_LIMIT = 600;

/**
 * The leak an alert names when several signals leak: the soonest to the heap limit, then the most
 * confident, then the first. Of the two heap signals, heap after major GC speaks for the heap when
 * it leaks: heapUsed's rate also counts garbage promoted between major GCs (about twice the real
 * rate was seen), which would also bring the heap limit forward.
 */
export function reportedLeak(leaks: readonly LeakVerdict[]): LeakVerdict {
  const afterGc = leaks.some((v) => v.signal === 'heapAfterGc');
  const candidates = afterGc ? leaks.filter((v) => v.signal !== 'heapUsed') : leaks;
  return [...candidates].sort((a, b) => (a.secondsToLimit ?? Infinity) - (b.secondsToLimit ?? Infinity) || b.confidence - a.confidence)[0]!;
}

function readLeak(verdicts: readonly LeakVerdict[] | undefined, minConfidence: number): RuleReading | undefined {
  if (!verdicts || !(minConfidence > 0)) return undefined;
  const leaks = verdicts.filter((v) => v.state === 'leak' && v.confidence >= minConfidence);
  if (!leaks.length) {
    // Cleared only when every signal is past warm-up and none is a leak.
    const settled = verdicts.length > 0 && verdicts.every((v) => v.state === 'steady');
    return { value: 0, threshold: minConfidence, breached: false, cleared: settled, severity: 'warning', message: 'no sustained growth', judgedOverTime: true };
  }
  const worst = reportedLeak(leaks);
  const unit = worst.kind === 'handles' ? 'handles/s' : 'KB/s';
  const rate = worst.kind === 'handles' ? worst.rate.toFixed(2) : (worst.rate / 1024).toFixed(1);
  const limit = worst.secondsToLimit !== undefined ? `, heap limit in ${Math.round(worst.secondsToLimit / 60)} min` : '';
  return {
    value: worst.rate,
    threshold: minConfidence,
    breached: true,
    cleared: false,
    severity: worst.secondsToLimit !== undefined && worst.secondsToLimit <= LEAK_ERROR_SECONDS_TO_LIMIT ? 'error' : 'warning',
    message: `${worst.kind} leak: ${worst.signal} grows ${rate} ${unit} (${Math.round(worst.confidence * 100)}% confidence${limit})`,
    judgedOverTime: true,
  };
}

function mib(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`;
}
