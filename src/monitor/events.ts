/** Something that holds resources until disposed (the engine's twin of vscode.Disposable). */
export interface Disposable {
  dispose(): void;
}

/** A subscription function: call it with a listener, dispose the result to unsubscribe. */
export type Event<T> = (listener: (value: T) => void) => Disposable;

/**
 * A typed event source for the engine, which cannot use vscode.EventEmitter. A listener that throws
 * is reported through onListenerError and never stops the other listeners or the tick loop.
 */
export class Emitter<T> implements Disposable {
  private listeners: Array<(value: T) => void> = [];
  private disposed = false;

  constructor(private readonly onListenerError: (error: unknown) => void = () => undefined) {}

  /** Subscribe to this emitter. */
  readonly event: Event<T> = (listener) => {
    if (this.disposed) return { dispose: () => undefined };
    this.listeners.push(listener);
    return {
      dispose: () => {
        this.listeners = this.listeners.filter((l) => l !== listener);
      },
    };
  };

  /** Calls every listener with value. */
  fire(value: T): void {
    for (const listener of this.listeners.slice()) {
      try {
        listener(value);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  /** True while at least one listener is subscribed. */
  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  dispose(): void {
    this.disposed = true;
    this.listeners = [];
  }
}

/** Disposes a list of disposables in reverse order, continuing past failures. */
export function disposeAll(disposables: Disposable[]): void {
  while (disposables.length) {
    try {
      disposables.pop()!.dispose();
    } catch {
      // Disposal must not stop at the first failure: the rest still hold resources.
    }
  }
}
