// listener-leak.js: EventEmitter listeners added on every tick and never removed.
//
// Why it is here: the listener leak. Each simulated request subscribes to a
// shared "config changed" event with a closure holding ~8 KB of state, and never
// unsubscribes. Node would normally print a MaxListenersExceededWarning after 10
// listeners; the code silences it with setMaxListeners(0), as real code often
// does, so the only symptom is a JS heap that keeps growing (~400 KB/s) and
// config broadcasts that get slower over time.
//
// Run:  node listener-leak.js
// Stop: Ctrl+C (SIGINT) or SIGTERM.
// Safety: it stops subscribing once RSS reaches LEAK_LIMIT_MB (default 300).
'use strict';

const { EventEmitter } = require('node:events');

const LIMIT_BYTES = Number(process.env.LEAK_LIMIT_MB || 300) * 1024 * 1024;
const TICK_MS = 20;
const BROADCAST_EVERY_MS = 5000;

const configBus = new EventEmitter();
configBus.setMaxListeners(0); // "fixes" the warning, hides the leak

let handled = 0;
let limitReached = false;

function handleRequest(id) {
  const requestState = { id, values: new Array(1024).fill(id) }; // ~8 KB on the JS heap
  // The bug: subscribed per request, never removed with configBus.off().
  configBus.on('config-changed', (config) => {
    requestState.values[0] = config.version;
  });
}

const ticker = setInterval(() => {
  if (limitReached) return;
  if (process.memoryUsage.rss() >= LIMIT_BYTES) {
    limitReached = true;
    console.log(`listener-leak: RSS reached ${LIMIT_BYTES / 1048576} MB with ${configBus.listenerCount('config-changed')} listeners; no longer subscribing`);
    return;
  }
  handleRequest(++handled);
}, TICK_MS);

let version = 0;
const broadcaster = setInterval(() => {
  const started = process.hrtime.bigint();
  configBus.emit('config-changed', { version: ++version });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`listener-leak: broadcast #${version} reached ${configBus.listenerCount('config-changed')} listeners in ${ms.toFixed(2)} ms`);
}, BROADCAST_EVERY_MS);

console.log(`listener-leak: started (pid ${process.pid})`);

function shutdown(signal) {
  console.log(`listener-leak: ${signal}, exiting with ${configBus.listenerCount('config-changed')} listeners`);
  clearInterval(ticker);
  clearInterval(broadcaster);
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
