/**
 * The macOS source: one `ps` call per read (~10-40 ms of a child process, far below per-PID
 * calls), parsed in memory; the watched trees are then selected from the whole table.
 * macOS has no /proc and libproc is out of reach without a native module.
 */
import type { ProcessInfo, ProcessReadResult, ProcessSource, SourceWarning } from './ProcessSource';
import { MAC_PS_ARGS, parseMacPsOutput } from './PsOutputParser';
import { execFileText, type ExecFileText } from './execFileText';
import { selectSubtrees } from './selectSubtrees';

/** Construction options of MacProcessSource. */
export interface MacProcessSourceOptions {
  /** Runs ps; tests pass recorded output. */
  readonly execFile?: ExecFileText;
}

/** Reads process trees on macOS from one `ps` call per read. */
export class MacProcessSource implements ProcessSource {
  private readonly execFile: ExecFileText;

  constructor(options: MacProcessSourceOptions = {}) {
    this.execFile = options.execFile ?? execFileText;
  }

  async read(roots: readonly number[]): Promise<ProcessReadResult> {
    const { readings, warnings } = await this.readTable();
    return { readings: selectSubtrees(readings, roots), warnings };
  }

  async listAll(): Promise<ProcessInfo[]> {
    return (await this.readTable()).readings;
  }

  dispose(): void {
    // Nothing is held between reads.
  }

  private async readTable(): Promise<ProcessReadResult> {
    let stdout: string;
    try {
      // The C locale fixes lstart's shape, which the parser relies on.
      stdout = await this.execFile('/bin/ps', MAC_PS_ARGS, { env: { ...process.env, LC_ALL: 'C' } });
    } catch (error) {
      return { readings: [], warnings: [{ code: 'command-failed', message: `ps failed: ${(error as Error).message}` }] };
    }
    const { readings, unparsable } = parseMacPsOutput(stdout);
    const warnings: SourceWarning[] = unparsable.length
      ? [{ code: 'unparsable', message: `${unparsable.length} unparsable ps line(s), first: ${JSON.stringify(unparsable[0])}` }]
      : [];
    return { readings, warnings };
  }
}
