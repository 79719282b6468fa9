// timer-leak.js: a job runner that forgets to clear its polling intervals.
//
// Why it is here: the timer/handle leak. Every "job" (4 per second) starts a
// setInterval to poll its status and keeps a 128 KB buffer in the closure. The
// job finishes but the interval is never cleared, so the number of active timers
// and the memory they hold (~500 KB/s, mostly Buffer memory outside the JS heap)
// grow without bound. The handle inventory should show thousands of Timeouts.
//
// Run:  node timer-leak.js
// Stop: Ctrl+C (SIGINT) or SIGTERM.
// Safety: it stops starting jobs once RSS reaches LEAK_LIMIT_MB (default 300);
// the leaked intervals keep ticking, so memory then stays flat.
'use strict';

const LIMIT_BYTES = Number(process.env.LEAK_LIMIT_MB || 300) * 1024 * 1024;
const JOB_EVERY_MS = 250;
const JOB_BUFFER_BYTES = 128 * 1024;

let jobsStarted = 0;
let pollsDone = 0;

function startJob(id) {
  const scratch = Buffer.alloc(JOB_BUFFER_BYTES, id & 0xff);
  let finished = false;
  setTimeout(() => { finished = true; }, 500);
  // The bug: this interval should be cleared when the job finishes. It never is.
  setInterval(() => {
    pollsDone++;
    if (finished) scratch[0] ^= 1; // "checks the result", keeping scratch reachable
  }, 1000);
}

const scheduler = setInterval(() => {
  if (process.memoryUsage.rss() >= LIMIT_BYTES) {
    clearInterval(scheduler);
    console.log(`timer-leak: RSS reached ${LIMIT_BYTES / 1048576} MB after ${jobsStarted} jobs; no new jobs (the ${jobsStarted} leaked intervals keep running)`);
    return;
  }
  startJob(++jobsStarted);
  if (jobsStarted % 40 === 0) console.log(`timer-leak: ${jobsStarted} jobs started, ${jobsStarted} intervals still active`);
}, JOB_EVERY_MS);

console.log(`timer-leak: started (pid ${process.pid})`);

function shutdown(signal) {
  console.log(`timer-leak: ${signal}, exiting with ${jobsStarted} leaked intervals (${pollsDone} polls done)`);
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
