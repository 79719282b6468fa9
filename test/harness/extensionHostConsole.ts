/**
 * Telling the extension host's console output apart from the workbench's in the browser console.
 *
 * When the workbench runs extension tests it forwards every extension host console call to its own
 * log service, which prints `%c INFO`, a CSS argument, then the original arguments: nothing says
 * where a line came from. The test entry point (test/integration/index.ts) therefore prefixes the
 * extension host's console output with an invisible mark, and the runner prints the marked lines.
 */
import { format } from 'node:util';

/** Invisible separator (U+2063) that starts every console line the test run makes in the extension host. */
export const EXTENSION_HOST_MARK = '\u2063';

/** Makes every console call in this (extension host) process start with {@link EXTENSION_HOST_MARK}. */
export function markExtensionHostConsole(): void {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[method].bind(console);
    const marked = (...args: unknown[]) => {
      if (args.length === 0) original(EXTENSION_HOST_MARK);
      else if (typeof args[0] === 'string') original(EXTENSION_HOST_MARK + args[0], ...args.slice(1));
      else original(`${EXTENSION_HOST_MARK}%o`, ...args);
    };
    // The extension host defines these as accessors whose setter ignores assignments.
    Object.defineProperty(console, method, { configurable: true, enumerable: true, get: () => marked, set: () => undefined });
  }
}

/**
 * Formats the arguments of one browser console message the way the workbench meant them: a leading
 * `%c LEVEL` with its CSS arguments becomes the level, the rest is printf-formatted like Node's
 * console. Returns the level ('' when there is none) and the text.
 */
export function formatWorkbenchConsole(args: readonly unknown[]): { level: string; text: string } {
  const rest = [...args];
  let level = '';
  if (typeof rest[0] === 'string' && rest[0].startsWith('%c')) {
    const head = rest.shift() as string;
    const cssCount = (head.match(/%c/g) ?? []).length;
    rest.splice(0, cssCount);
    level = head.replace(/%c/g, '').trim();
  }
  return { level, text: rest.length ? format(...rest) : '' };
}
