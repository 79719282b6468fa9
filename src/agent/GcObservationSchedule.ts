/**
 * GC rate above which GCs are sampled, per second. Observing a GC costs ~0.2M instructions (Node
 * builds a performance entry for each; valgrind, bench/agentOverhead) plus a couple of thread
 * wake-ups: 0.15-0.3 ms of CPU per GC as measured by CPU time (a hello-world server lost 1.1-1.5
 * points of throughput at ~1 GC per 600 requests; a test program ~20% at 700 GCs/s). At 5 GCs/s
 * that is 0.1% of a core at most, 0.03% by the instruction count alone; a saturated hello-world
 * server on a core of its own collects ~60 times a second.
 */
export const GC_SAMPLING_ABOVE_PER_SECOND = 5;
/** GC rate below which every GC is observed again, per second: well under the rate above, so a rate near either bound does not flap. */
export const GC_OBSERVE_ALL_BELOW_PER_SECOND = 2;
/**
 * Sampling starts once every observed interval over this long had a rate above the bound. A program
 * that starts allocating hard collects several times as often in its first seconds as later, while
 * V8 grows the young generation (in a test: 340 scavenges in the first quarter second, 130-140 per
 * quarter second around the second second, ~72 from the third on); estimates are based on the newest
 * second observed (GcTracker), which is then past most of that. It also keeps a short burst (a
 * build step, a test file) observed whole.
 */
export const SAMPLE_AFTER_HIGH_MS = 3000;
/**
 * While sampled, GCs are observed one report interval in this many. The observer's cost falls by
 * this factor (1.1-1.5 points of a hello-world server's throughput -> under 0.1), and the estimates'
 * basis is at most this many intervals old. 20 is also the HTTP sampling period
 * (VitalsCollector), so the agent's 20 s cycle holds one observed interval of each. Measured side
 * by side (bench/agentOverhead, 72 rounds pooled): the agent's throughput cost went from -2.50%
 * [-3.25, -2.05] with every GC observed to -1.58% [-1.93, -1.27]; 10 would add ~0.07 points back.
 */
export const GC_SAMPLE_EVERY = 20;

/**
 * Decides, at the end of each report interval, whether the agent observes GCs during the next one:
 * always while the GC rate is low or a user looks closely at the process (fine detail); one interval
 * in GC_SAMPLE_EVERY once observed intervals had a rate of at least GC_SAMPLING_ABOVE_PER_SECOND for
 * SAMPLE_AFTER_HIGH_MS, until a rate (observed, or estimated for an unobserved interval) falls below
 * GC_OBSERVE_ALL_BELOW_PER_SECOND. Sampling only starts on observed rates; it may end on an
 * estimated one, as ending it costs nothing but the observer. Pure: the GcTracker feeds it rates.
 */
export class GcObservationSchedule {
  private sampled = false;
  /** How long the observed intervals in a row have had a rate above the bound, ms. */
  private highForMs = 0;
  private unobservedInARow = 0;

  /**
   * Ends an interval of intervalMs. ratePerSecond: GCs per second in it (counted if observed, else
   * estimated); observed: whether every GC of it was observed; fine: whether fine detail is on.
   * Returns whether to observe GCs during the next interval.
   */
  next(ratePerSecond: number, intervalMs: number, observed: boolean, fine: boolean): boolean {
    if (observed) this.highForMs = ratePerSecond >= GC_SAMPLING_ABOVE_PER_SECOND ? this.highForMs + intervalMs : 0;
    if (!this.sampled && this.highForMs >= SAMPLE_AFTER_HIGH_MS) {
      this.sampled = true;
    } else if (this.sampled && ratePerSecond < GC_OBSERVE_ALL_BELOW_PER_SECOND) {
      this.sampled = false;
      this.highForMs = 0;
    }
    this.unobservedInARow = observed ? 0 : this.unobservedInARow + 1;
    if (fine || !this.sampled) return true;
    return this.unobservedInARow >= GC_SAMPLE_EVERY - 1;
  }

  /** Whether GCs are being sampled (the rate was high), whatever fine detail asks for. */
  get sampling(): boolean {
    return this.sampled;
  }
}
