/** The command line of `process-vitals`, parsed without dependencies. Pure, so it is table-tested. */

/** A parsed invocation. */
export type CliInvocation =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | {
      readonly kind: 'watch';
      /** Watch an existing process... */
      readonly pid?: number;
      /** ...or start this command and watch it. */
      readonly command?: readonly string[];
      readonly intervalMs: number;
      /** Stop after this many seconds (0: until the watched process exits or Ctrl-C). */
      readonly durationSeconds: number;
      /** Write an NDJSON recording of the root process to this file (docs/recording-format.md). */
      readonly record?: string;
      /** Do not inject the Node agent into the command (it is injected by default). */
      readonly noAgent?: true;
    }
  | {
      readonly kind: 'analyze';
      /** The recording (.ndjson, or .ndjson.gz) to replay through the leak detector. */
      readonly recording: string;
      /** Print the verdict timeline as JSON lines instead of a summary. */
      readonly json: boolean;
    };

/** A usage error with the message to print. */
export class CliUsageError extends Error {}

/** The help text. */
export const USAGE = `Usage:
  process-vitals watch --pid <pid> [options]        watch a running process and its descendants
  process-vitals watch [options] -- <command...>    run a command and watch it; exits with its exit code
  process-vitals analyze <recording.ndjson> [--json] replay a recording through the leak detector
  process-vitals diagnose --pid <pid> | -- <command...>  find leaks: heap snapshot diff, allocation sites, handles (diagnose --help)
  process-vitals --help | --version

Options of watch:
  --interval <ms>    sampling interval in milliseconds (250..60000, default 1000)
  --duration <s>     stop after this many seconds (default: when the process exits)
  --record <file>    also write an NDJSON recording of the watched process (docs/recording-format.md)
  --no-agent         do not inject the Node agent into the command (heap, GC and handle figures)

Output of watch: one JSON object per line on stdout ("appeared", "sample", "exited"); the watched
command's own output and any warnings go to stderr.
Output of analyze: a summary, or with --json one JSON object per line ("verdict" whenever a
signal's verdict changes, then "summary"); exit code 0 when no leak was found, 3 when one was.`;

/** Parses argv (without node and the script path). Throws CliUsageError on bad input. */
export function parseCliArguments(argv: readonly string[]): CliInvocation {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    const dashDash = argv.indexOf('--');
    const helpIndex = Math.max(argv.indexOf('--help'), argv.indexOf('-h'));
    if (argv.length === 0 || dashDash === -1 || helpIndex < dashDash) return { kind: 'help' };
  }
  if (argv[0] === '--version' || argv[0] === '-v') return { kind: 'version' };
  const [verb, ...rest] = argv;
  if (verb === 'analyze') return parseAnalyze(rest);
  if (verb !== 'watch') throw new CliUsageError(`unknown command "${verb}"`);

  let pid: number | undefined;
  let command: string[] | undefined;
  let intervalMs = 1000;
  let durationSeconds = 0;
  let record: string | undefined;
  let noAgent = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new CliUsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--':
        command = rest.slice(i + 1);
        i = rest.length;
        break;
      case '--pid':
        pid = positiveInteger(arg, value());
        break;
      case '--interval':
        intervalMs = positiveInteger(arg, value());
        if (intervalMs < 250 || intervalMs > 60000) throw new CliUsageError('--interval must be between 250 and 60000');
        break;
      case '--duration':
        durationSeconds = positiveInteger(arg, value());
        break;
      case '--record':
        record = value();
        break;
      case '--no-agent':
        noAgent = true;
        break;
      default:
        throw new CliUsageError(`unknown option "${arg}"`);
    }
  }
  if (command !== undefined && command.length === 0) throw new CliUsageError('nothing to run after --');
  if ((pid === undefined) === (command === undefined)) throw new CliUsageError('watch needs either --pid <pid> or -- <command...>');
  return { kind: 'watch', pid, command, intervalMs, durationSeconds, ...(record !== undefined ? { record } : {}), ...(noAgent ? { noAgent: true } : {}) };
}

function parseAnalyze(rest: readonly string[]): CliInvocation {
  let recording: string | undefined;
  let json = false;
  for (const arg of rest) {
    if (arg === '--json') json = true;
    else if (arg.startsWith('--')) throw new CliUsageError(`unknown option "${arg}"`);
    else if (recording === undefined) recording = arg;
    else throw new CliUsageError('analyze takes one recording');
  }
  if (recording === undefined) throw new CliUsageError('analyze needs a recording file');
  return { kind: 'analyze', recording, json };
}

function positiveInteger(option: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) <= 0) throw new CliUsageError(`${option} takes a positive whole number, not "${text}"`);
  return Number(text);
}
