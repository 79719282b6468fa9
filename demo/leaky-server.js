// leaky-server.js: an HTTP server that leaks memory on every request.
//
// Why it is here: the textbook Node leak. Each request's details are kept in a
// module-level Map "for debugging" and never evicted, so the JS heap (and RSS)
// grows steadily. The server also calls itself every 100 ms, so it leaks on its
// own (~65 KB/s of heap, 4-5 MB of RSS a minute) with no external load: open the
// Processes tree and watch its memory climb, then compare with healthy-server.js.
//
// Run:  node leaky-server.js          (PORT=8080 node leaky-server.js for a fixed port)
// Stop: Ctrl+C (SIGINT) or SIGTERM.
// Safety: it stops retaining once RSS reaches LEAK_LIMIT_MB (default 300).
'use strict';

const http = require('node:http');

const HOST = '127.0.0.1';
const LIMIT_BYTES = Number(process.env.LEAK_LIMIT_MB || 300) * 1024 * 1024;
const SELF_REQUEST_MS = 100;

/** The leak: every request's "audit record" lives here forever. */
const requestLog = new Map();
let requestCount = 0;
let limitReached = false;

const server = http.createServer((req, res) => {
  requestCount++;
  if (req.url === '/stats') {
    const mem = process.memoryUsage();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ requests: requestCount, retained: requestLog.size, rss: mem.rss, heapUsed: mem.heapUsed }));
    return;
  }
  if (!limitReached && process.memoryUsage.rss() >= LIMIT_BYTES) {
    limitReached = true;
    console.log(`leaky-server: RSS reached ${LIMIT_BYTES / 1048576} MB, no longer retaining requests (${requestLog.size} kept)`);
  }
  if (!limitReached) {
    // ~6.5 KB of JS heap per request: a copy of the headers plus a 6 KB "body" string.
    requestLog.set(requestCount, {
      at: Date.now(),
      method: req.method,
      url: req.url,
      headers: { ...req.headers },
      body: Buffer.alloc(6 * 1024, 97 + (requestCount % 26)).toString('latin1'),
    });
  }
  res.end('ok\n');
});

let selfLoad;
server.listen(Number(process.env.PORT || 0), HOST, () => {
  const { port } = server.address();
  console.log(`leaky-server: listening on http://${HOST}:${port} (pid ${process.pid})`);
  // Bounded, unref'd self-load: the server socket keeps the process alive, this timer does not.
  selfLoad = setInterval(() => {
    if (limitReached) return;
    http.get({ host: HOST, port, path: `/item/${requestCount}` }, (res) => res.resume()).on('error', () => {});
  }, SELF_REQUEST_MS);
  selfLoad.unref();
});

function shutdown(signal) {
  console.log(`leaky-server: ${signal}, shutting down (${requestLog.size} requests retained)`);
  clearInterval(selfLoad);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
