import { execFile } from 'node:child_process';

/** Runs a program and resolves with its stdout; injectable so tests replay recorded output. */
export type ExecFileText = (file: string, args: readonly string[], options?: { readonly env?: NodeJS.ProcessEnv }) => Promise<string>;

/** Output larger than this is an error rather than a silent truncation (64 MiB: ~200k processes). */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** The real ExecFileText, over child_process.execFile. */
export const execFileText: ExecFileText = (file, args, options = {}) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { encoding: 'utf8', maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true, env: options.env }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout);
    });
  });
