/**
 * What the online leak detector says about one signal of one process. Shared by the detector
 * (src/monitor/leaks), the alert rules (src/monitor/alerts), the views and the CLI.
 */

/** What kind of memory or resource a verdict is about. */
export type LeakKind = 'heap' | 'external' | 'rss' | 'handles';

/** The signal a detector watches (handle signals carry the resource type, e.g. 'handles:Timeout'). */
export type LeakSignal = 'heapAfterGc' | 'heapUsed' | 'external' | 'rss' | `handles:${string}`;

/** The detector's current conclusion about one signal. */
export interface LeakVerdict {
  readonly kind: LeakKind;
  readonly signal: LeakSignal;
  /** 'leak': sustained growth; 'steady': no sustained growth; 'warming-up': not enough data yet. */
  readonly state: 'leak' | 'steady' | 'warming-up';
  /** Growth rate: bytes/s for memory kinds, handles/s for handles (Theil-Sen slope over the window). */
  readonly rate: number;
  /** Confidence interval of the rate at the detector's confidence level. */
  readonly rateLow: number;
  readonly rateHigh: number;
  /** 0..1: how sure the detector is that the growth is real (for example 1 - the trend test's p-value). */
  readonly confidence: number;
  /** Estimated start of the growth, ms since the epoch (undefined unless state is 'leak'). */
  readonly onsetTime?: number;
  /** Seconds until the heap limit at this rate, when the limit is known. */
  readonly secondsToLimit?: number;
  /** When this verdict was computed, ms since the epoch (the time of the newest sample used). */
  readonly time: number;
  /**
   * 'steady' verdicts only: the trend test saw growth, but it is not yet a leak (heapUsed growth
   * that has not survived a major GC may be garbage waiting to be collected).
   */
  readonly suspected?: boolean;
}
