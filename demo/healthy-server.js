// healthy-server.js: the well-behaved twin of leaky-server.js.
//
// Why it is here: a baseline that must NOT be flagged as a leak. It does the same
// kind of work (an HTTP server calling itself every 100 ms, ~6.5 KB per request) but
// keeps results in a bounded LRU cache (100 entries, under 1 MB). RSS rises for the
// first minute or two while V8 sizes its heap, then plateaus (~60 MB on Linux).
// Run it next to leaky-server.js and compare the two in the Processes tree.
//
// Run:  node healthy-server.js        (PORT=8081 node healthy-server.js for a fixed port)
// Stop: Ctrl+C (SIGINT) or SIGTERM.
'use strict';

const http = require('node:http');

const HOST = '127.0.0.1';
const CACHE_SIZE = 100;
const SELF_REQUEST_MS = 100;

/** A minimal LRU: a Map iterates in insertion order, so the first key is the oldest. */
class LruCache {
  constructor(capacity) {
    this.capacity = capacity;
    this.entries = new Map();
  }
  get(key) {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }
  set(key, value) {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      this.entries.delete(this.entries.keys().next().value);
    }
  }
  get size() {
    return this.entries.size;
  }
}

const cache = new LruCache(CACHE_SIZE);
let requestCount = 0;

const server = http.createServer((req, res) => {
  requestCount++;
  if (req.url === '/stats') {
    const mem = process.memoryUsage();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ requests: requestCount, cached: cache.size, rss: mem.rss, heapUsed: mem.heapUsed }));
    return;
  }
  let page = cache.get(req.url);
  if (page === undefined) {
    page = { at: Date.now(), headers: { ...req.headers }, body: Buffer.alloc(6 * 1024, 97 + (requestCount % 26)).toString('latin1') };
    cache.set(req.url, page);
  }
  res.end('ok\n');
});

let selfLoad;
server.listen(Number(process.env.PORT || 0), HOST, () => {
  const { port } = server.address();
  console.log(`healthy-server: listening on http://${HOST}:${port} (pid ${process.pid})`);
  selfLoad = setInterval(() => {
    // Keys from a space larger than the cache, so it keeps evicting.
    const key = Math.floor(Math.random() * 5000);
    http.get({ host: HOST, port, path: `/item/${key}` }, (res) => res.resume()).on('error', () => {});
  }, SELF_REQUEST_MS);
  selfLoad.unref();
});

function shutdown(signal) {
  console.log(`healthy-server: ${signal}, shutting down (${cache.size} cached)`);
  clearInterval(selfLoad);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
