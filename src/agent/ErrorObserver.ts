import type { AgentErrorEvent } from './agentProtocol';

type ProcessListener = (...args: unknown[]) => void;

/**
 * Counts uncaught exceptions and unhandled rejections without changing what the program does
 * with them. The traps, and how each is avoided:
 * - process.on('unhandledRejection') would HANDLE rejections (Node then no longer crashes), so we
 *   never add one on our own. In the default mode (throw) and in strict mode, an unhandled
 *   rejection is raised as an uncaught exception, which 'uncaughtExceptionMonitor' sees with
 *   origin 'unhandledRejection' (a monitor listener is documented not to change behaviour).
 * - When the program has its own 'unhandledRejection' listener, rejections are already handled,
 *   so adding ours changes nothing: we attach a counting listener only while at least one of the
 *   program's is attached (tracked with 'newListener'/'removeListener') and detach it with the last.
 * - In warn modes (--unhandled-rejections=warn / warn-with-error-code) Node emits a
 *   'UnhandledPromiseRejectionWarning' through process 'warning', which a listener only observes.
 * A wrapped process.emit would also work but adds a frame to the stack of every error thrown from
 * a process listener, which changes stderr; we avoid it.
 */
export class ErrorObserver {
  uncaughtExceptions = 0;
  unhandledRejections = 0;
  private piggybacking = false;
  private readonly listeners: Array<[string, ProcessListener]> = [];

  constructor(private readonly onError: (event: AgentErrorEvent) => void) {}

  /** Starts observing. */
  start(): void {
    this.listen('uncaughtExceptionMonitor', (error, origin) => {
      const rejection = origin === 'unhandledRejection';
      if (rejection) this.unhandledRejections++;
      else this.uncaughtExceptions++;
      // With no 'uncaughtException' listener, Node prints the error and exits right after this.
      this.report(rejection ? 'unhandledRejection' : 'uncaughtException', process.listenerCount('uncaughtException') === 0, error);
    });
    this.listen('warning', (warning) => {
      // Node emits two warnings per rejection in warn modes: the reason, then this explanation; count the explanation.
      const w = warning as { name?: unknown; message?: unknown } | null;
      if (w?.name === 'UnhandledPromiseRejectionWarning' && typeof w.message === 'string' && w.message.startsWith('Unhandled promise rejection.')) {
        this.unhandledRejections++;
        this.report('unhandledRejection', false, warning);
      }
    });
    this.listen('newListener', (event, listener) => {
      if (event === 'unhandledRejection' && listener !== this.countRejection && !this.piggybacking) {
        this.piggybacking = true;
        process.on('unhandledRejection', this.countRejection);
      }
    });
    this.listen('removeListener', (event, listener) => {
      if (event !== 'unhandledRejection' || listener === this.countRejection || !this.piggybacking) return;
      const others = process.listeners('unhandledRejection').filter((l) => l !== this.countRejection);
      if (others.length === 0) this.detachCounter();
    });
    if (process.listenerCount('unhandledRejection') > 0) {
      this.piggybacking = true;
      process.on('unhandledRejection', this.countRejection);
    }
  }

  /** Removes every listener it added. */
  stop(): void {
    for (const [event, listener] of this.listeners) process.off(event, listener);
    this.listeners.length = 0;
    this.detachCounter();
  }

  private readonly countRejection = (reason: unknown): void => {
    this.unhandledRejections++;
    this.report('unhandledRejection', false, reason);
  };

  private detachCounter(): void {
    if (!this.piggybacking) return;
    this.piggybacking = false;
    process.off('unhandledRejection', this.countRejection);
  }

  private listen(event: string, listener: ProcessListener): void {
    const safe: ProcessListener = (...args) => {
      try {
        listener(...args);
      } catch {
        // Never throw into the program, least of all while it is handling an error.
      }
    };
    process.on(event, safe);
    this.listeners.push([event, safe]);
  }

  private report(kind: AgentErrorEvent['kind'], fatal: boolean, error: unknown): void {
    // Never String() an arbitrary value: that would run the program's toString() with its side effects.
    let message = typeof error === 'string' ? error : error === null ? 'null' : typeof error;
    try {
      if (error instanceof Error) {
        const name = typeof error.name === 'string' ? error.name : 'Error';
        message = typeof error.message === 'string' ? `${name}: ${error.message}` : name;
      }
    } catch {
      // A throwing getter: keep the type name.
    }
    this.onError({ type: 'error', kind, fatal, message: message.split('\n', 1)[0].slice(0, 500) });
  }
}
