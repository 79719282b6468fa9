// wont-exit.js: finishes its work, then never exits.
//
// Why it is here: the "why is it still running?" case. The script does its job
// (sums some numbers, prints the result and "done") within a second, but two
// things it started are never closed: a TCP "status" server listening on
// 127.0.0.1 and a silent heartbeat setInterval. Either one keeps the event loop
// alive, so the process sits there at ~0% CPU forever. The handle report should
// point at both: a TCP server handle and a Timeout.
//
// Run:  node wont-exit.js
// Stop: Ctrl+C (SIGINT) or SIGTERM. (The fix would be statusServer.close() and
// clearInterval(heartbeat), or .unref() on both.)
'use strict';

const net = require('node:net');

// Forgotten handle 1: a status endpoint nobody closes.
const statusServer = net.createServer((socket) => socket.end('busy\n'));
statusServer.listen(0, '127.0.0.1');

// Forgotten handle 2: a heartbeat that was meant to stop with the work.
let beats = 0;
setInterval(() => { beats++; }, 2000);

function doWork() {
  let total = 0;
  for (let i = 1; i <= 5e6; i++) total += i % 7;
  return total;
}

setTimeout(() => {
  console.log(`wont-exit: result ${doWork()}`);
  console.log(`wont-exit: done. The process should exit now, but it won't (pid ${process.pid}).`);
}, 500);

function shutdown(signal) {
  console.log(`wont-exit: ${signal}, finally exiting (heartbeat ran ${beats} times)`);
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
