/**
 * A time limit on the other end of an agent connection (a hello, a welcome, a queued write, an
 * answer to a request) that only expires once this process has also read what already arrived.
 *
 * Why not a plain timer: Node runs due timers at the start of an event-loop turn, before that
 * turn's I/O poll. When this process itself was late (a starved CPU, a long synchronous task, a
 * turn longer than the limit), a plain timer fires while the peer's frame waits unread in the
 * socket, and a peer that answered in time is dropped; if every turn is that long, every
 * handshake fails. So when the time is up the verdict waits for a setImmediate callback, which
 * runs after this same turn's poll: by then an answer that came in time has been handled and has
 * cleared the deadline.
 */
export class PeerDeadline {
  private timer: NodeJS.Timeout | undefined;
  private verdict: NodeJS.Immediate | undefined;

  /** Calls onExpired after ms (and after the following I/O poll) unless clear() is called first. */
  constructor(ms: number, onExpired: () => void) {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Left ref'd: it runs within the current turn, so it cannot keep a program alive, and an
      // unref'd immediate would let the poll block until some unrelated event.
      this.verdict = setImmediate(() => {
        this.verdict = undefined;
        onExpired();
      });
    }, ms);
    // A deadline never keeps a program (or a CLI) alive.
    this.timer.unref();
  }

  /** Cancels the deadline: the answer came, or the connection ended. */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.verdict) clearImmediate(this.verdict);
    this.timer = undefined;
    this.verdict = undefined;
  }
}
