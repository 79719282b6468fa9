/**
 * Loads a Node built-in module when the agent first needs it. The agent is injected into every
 * Node process, so it never loads `net`, `perf_hooks`, `inspector`, `v8` or `async_hooks` at
 * start-up (`net` alone costs 2-3 ms); callers import only types statically.
 */
export function lazyBuiltin<T>(name: 'node:net' | 'node:perf_hooks' | 'node:inspector' | 'node:v8' | 'node:async_hooks' | 'node:diagnostics_channel' | 'node:fs' | 'node:path' | 'node:os' | 'node:worker_threads'): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy by design, see above
  return require(name) as T;
}
