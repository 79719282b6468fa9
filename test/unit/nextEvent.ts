/** Waiting on engine events in tests. */

/**
 * Resolves with the next value an event fires that satisfies the predicate; rejects after timeoutMs
 * (a hang guard that names the problem, not a performance expectation).
 */
export function nextEvent<T>(event: (l: (v: T) => void) => { dispose(): void }, predicate: (v: T) => boolean = () => true, timeoutMs = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error('the expected event did not come'));
    }, timeoutMs);
    const sub = event((v) => {
      if (predicate(v)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(v);
      }
    });
  });
}
