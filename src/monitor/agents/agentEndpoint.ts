import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** sun_path holds 108 bytes on Linux and 104 on macOS, NUL included: stay below both. */
export const MAX_SOCKET_PATH_BYTES = 100;

/** The socket directory is not private to this user; the agent server refuses to use it. */
export class UnsafeSocketDirectoryError extends Error {
  constructor(readonly directory: string, reason: string) {
    super(`refusing to use ${directory} for agent sockets: ${reason}`);
    this.name = 'UnsafeSocketDirectoryError';
  }
}

/** What the endpoint choice depends on (injectable for tests). */
export interface EndpointEnvironment {
  readonly platform: NodeJS.Platform;
  readonly env: NodeJS.ProcessEnv;
  readonly tmpdir: string;
  readonly uid: number | undefined;
}

/** This process's endpoint environment. */
export function currentEndpointEnvironment(): EndpointEnvironment {
  return { platform: process.platform, env: process.env, tmpdir: tmpdir(), uid: process.getuid?.() };
}

/**
 * Candidate per-user socket directories, best first: $XDG_RUNTIME_DIR/process-vitals (already
 * private, cleaned at logout), then <tmpdir>/process-vitals-<uid>, then /tmp/process-vitals-<uid>
 * when tmpdir is too long for a socket path.
 */
export function socketDirectoryCandidates(environment: EndpointEnvironment): string[] {
  const uid = environment.uid ?? 'user';
  const candidates: string[] = [];
  const runtime = environment.env.XDG_RUNTIME_DIR;
  if (runtime && runtime.startsWith('/')) candidates.push(join(runtime, 'process-vitals'));
  candidates.push(join(environment.tmpdir, `process-vitals-${uid}`));
  candidates.push(`/tmp/process-vitals-${uid}`);
  return candidates;
}

/**
 * A fresh endpoint name: on Unix a socket path in a private directory (created 0700 when missing,
 * refused when it exists but is not private), on Windows a named pipe with a random name.
 */
export function newAgentEndpoint(environment: EndpointEnvironment = currentEndpointEnvironment()): string {
  const name = randomBytes(8).toString('hex');
  if (environment.platform === 'win32') return `\\\\.\\pipe\\process-vitals-${randomBytes(16).toString('hex')}`;
  let lastError: Error | undefined;
  for (const directory of socketDirectoryCandidates(environment)) {
    const path = join(directory, `agent-${name}.sock`);
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) continue;
    try {
      ensurePrivateDirectory(directory, environment.uid);
      return path;
    } catch (error) {
      lastError = error as Error;
    }
  }
  throw lastError ?? new Error('no socket directory with a short enough path');
}

/** Creates directory with mode 0700, or checks that an existing one is a real directory owned by uid and private. */
export function ensurePrivateDirectory(directory: string, uid: number | undefined): void {
  try {
    mkdirSync(directory, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = lstatSync(directory);
  if (!stat.isDirectory()) throw new UnsafeSocketDirectoryError(directory, 'it is not a directory (or is a symbolic link)');
  if (uid !== undefined && stat.uid !== uid) throw new UnsafeSocketDirectoryError(directory, `it belongs to uid ${stat.uid}, not ${uid}`);
  if ((stat.mode & 0o077) !== 0) throw new UnsafeSocketDirectoryError(directory, `its mode is ${(stat.mode & 0o777).toString(8)}, not 700`);
}
