/** Reading a debuggee's PID from what a debug adapter shows. Pure, so it is table-tested. */

/**
 * The PID in a js-debug child session's name: js-debug names the session of each Node target
 * "<script> [<pid>]" (for example "server.js [4242]").
 */
export function pidFromSessionName(name: string): number | undefined {
  const match = /\[(\d+)\]\s*$/.exec(name);
  const pid = match ? Number(match[1]) : NaN;
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}
