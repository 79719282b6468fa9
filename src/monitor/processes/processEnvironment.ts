import { readFileSync } from 'node:fs';

/** Variables Process Vitals itself sets for the agent: a restarted process gets fresh ones. */
const OWN_VARIABLE = /^PROCESS_VITALS_/;

/**
 * The environment a process was started with, from /proc/<pid>/environ (Linux; the same user or
 * root may read it), without Process Vitals' own variables. Undefined where it cannot be read
 * (another platform, another user, the process is gone): the caller says what it uses instead.
 */
export function readProcessEnvironment(pid: number, platform: NodeJS.Platform = process.platform): Record<string, string> | undefined {
  if (platform !== 'linux') return undefined;
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return undefined;
  }
  return parseEnviron(raw);
}

/** Parses NUL-separated NAME=value entries; entries without a name are skipped. */
export function parseEnviron(raw: string): Record<string, string> {
  const env: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const entry of raw.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const name = entry.slice(0, eq);
    if (!OWN_VARIABLE.test(name)) env[name] = entry.slice(eq + 1);
  }
  return env;
}
