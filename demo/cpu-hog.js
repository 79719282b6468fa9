// cpu-hog.js: burns about one CPU core in bursts.
//
// Why it is here: the CPU case. It spins for 6 s (100% of one core), rests for
// 2 s, and repeats, so the CPU column and status bar show a clear sawtooth. Memory
// stays flat. The spinning is done in 50 ms slices with setImmediate in between
// so Ctrl+C is still handled promptly.
//
// Run:  node cpu-hog.js
// Stop: Ctrl+C (SIGINT) or SIGTERM.
'use strict';

const BURST_MS = 6000;
const REST_MS = 2000;
const SLICE_MS = 50;

let burst = 0;
let sink = 0;
let restTimer;

function spinSlice(burstEnd) {
  const sliceEnd = Math.min(Date.now() + SLICE_MS, burstEnd);
  while (Date.now() < sliceEnd) {
    for (let i = 0; i < 10000; i++) sink = (sink + Math.sqrt(i * sink + 1)) % 1e9;
  }
  if (Date.now() < burstEnd) {
    setImmediate(spinSlice, burstEnd);
  } else {
    restTimer = setTimeout(startBurst, REST_MS);
  }
}

function startBurst() {
  burst++;
  console.log(`cpu-hog: burst ${burst}: spinning for ${BURST_MS / 1000} s, then resting ${REST_MS / 1000} s`);
  spinSlice(Date.now() + BURST_MS);
}

console.log(`cpu-hog: started (pid ${process.pid})`);
startBurst();

function shutdown(signal) {
  console.log(`cpu-hog: ${signal}, exiting after ${burst} bursts`);
  clearTimeout(restTimer);
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
