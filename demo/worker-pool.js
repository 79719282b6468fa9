// worker-pool.js: a parent process that forks two worker processes.
//
// Why it is here: the process-tree case. `node worker-pool.js` forks itself twice
// with child_process.fork, giving a tree of depth 2 (pool -> worker 1, worker 2).
// Each worker holds a fixed working set (24 MB and 48 MB) and searches for primes
// about 40% of the time, so the tree shows children with different, steady
// vitals, and the parent's total is the sum of all three. Under the debugger,
// js-debug attaches to the workers as child sessions.
//
// Run:  node worker-pool.js
// Stop: Ctrl+C (SIGINT) or SIGTERM on the parent; it stops its workers first.
// Workers exit on their own if the parent goes away (IPC disconnect).
'use strict';

const { fork } = require('node:child_process');

const WORKER_COUNT = 2;

if (process.argv[2] === 'worker') {
  runWorker(Number(process.argv[3]));
} else {
  runPool();
}

function runPool() {
  const workers = new Map();
  const progress = new Map();
  let stopping = false;

  for (let n = 1; n <= WORKER_COUNT; n++) {
    const child = fork(__filename, ['worker', String(n)]);
    workers.set(n, child);
    child.on('message', (msg) => progress.set(n, msg));
    child.on('exit', (code, signal) => {
      workers.delete(n);
      if (!stopping) console.log(`worker-pool: worker ${n} (pid ${child.pid}) exited unexpectedly (${signal || code})`);
      if (workers.size === 0) {
        clearInterval(report);
        process.exit(0);
      }
    });
    console.log(`worker-pool: forked worker ${n} (pid ${child.pid})`);
  }
  console.log(`worker-pool: pool pid ${process.pid}`);

  const report = setInterval(() => {
    const parts = [...progress].map(([n, p]) => `worker ${n}: ${p.primes} primes, largest ${p.largest}`);
    console.log(`worker-pool: ${parts.join('; ')}`);
  }, 5000);

  function shutdown(signal) {
    if (stopping) return;
    stopping = true;
    console.log(`worker-pool: ${signal}, stopping ${workers.size} workers`);
    for (const child of workers.values()) child.kill('SIGTERM');
    setTimeout(() => process.exit(0), 2000).unref();
  }
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

function runWorker(n) {
  // A fixed working set, different per worker so they are easy to tell apart.
  const table = Buffer.alloc(24 * n * 1024 * 1024, n);
  const BUSY_MS = 200;
  const IDLE_MS = 300;
  let candidate = 1e9 + 1 + n * 1e7; // odd, and a different range per worker
  let primes = 0;
  let largest = 0;

  function isPrime(x) {
    if (x % 2 === 0) return false;
    for (let d = 3; d * d <= x; d += 2) if (x % d === 0) return false;
    return true;
  }

  const work = setInterval(() => {
    const end = Date.now() + BUSY_MS;
    while (Date.now() < end) {
      candidate += 2;
      if (isPrime(candidate)) {
        primes++;
        largest = candidate;
        table[primes % table.length] = candidate & 0xff;
      }
    }
  }, BUSY_MS + IDLE_MS);

  const progress = setInterval(() => process.send({ primes, largest }), 2000);

  function stop() {
    clearInterval(work);
    clearInterval(progress);
    process.exit(0);
  }
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('disconnect', stop); // the pool is gone: do not linger as an orphan
}
