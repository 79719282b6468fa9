import type { Recording } from '../recording/recordingFormat';
import { LeakDetectorSet, type LeakDetectorSetOptions } from './LeakDetectorSet';
import type { LeakVerdict } from './LeakVerdict';

/** A verdict change during a replay, with `t` in seconds from the recording's start. */
export interface TimedVerdict extends LeakVerdict {
  readonly t: number;
}

/** What replaying a recording through the leak detectors found. */
export interface RecordingAnalysis {
  /** Every change of a signal's state, in time order. */
  readonly timeline: readonly TimedVerdict[];
  /** Each signal's verdict at the end of the recording. */
  readonly final: readonly LeakVerdict[];
  /** `t` of the first 'leak' verdict of any signal, or undefined when none. */
  readonly firstLeakT: number | undefined;
}

/**
 * Replays a recording through a LeakDetectorSet exactly as the live engine feeds it (same
 * detector, same order, past samples only). Aggregated lines (30 s means of old history) are skipped:
 * a mean is not a reading, and the detector's lower envelope needs readings.
 */
export function analyzeRecording(recording: Recording, options: LeakDetectorSetOptions = {}): RecordingAnalysis {
  const heapLimitBytes = options.heapLimitBytes ?? recording.header.process.heapLimitBytes;
  const detectors = new LeakDetectorSet({ ...options, heapLimitBytes });
  const timeline: TimedVerdict[] = [];
  let firstLeakT: number | undefined;
  const start = recording.header.startTime;
  for (const sample of recording.samples) {
    if (sample.aggregate !== undefined) continue;
    for (const verdict of detectors.observe(start + sample.t * 1000, sample)) {
      const t = Math.round((verdict.time - start) / 10) / 100;
      timeline.push({ t, ...verdict });
      if (verdict.state === 'leak' && firstLeakT === undefined) firstLeakT = t;
    }
  }
  return { timeline, final: detectors.verdicts(), firstLeakT };
}
