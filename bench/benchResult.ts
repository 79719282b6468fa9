/** What every bench module returns, and how it is printed, whether run alone or by bench/run.ts. */

/** What every bench module returns to bench/run.ts. */
export interface BenchResult {
  readonly name: string;
  /** Human-readable result lines. */
  readonly lines: string[];
  /** Machine-readable figures. */
  readonly figures: Record<string, number | boolean | string>;
}

/** Prints a result: its lines, then one JSON line for machines. */
export function printBenchResult(result: BenchResult): void {
  for (const line of result.lines) console.log(line);
  console.log(JSON.stringify({ bench: result.name, ...result.figures }));
}

/**
 * Runs and prints a bench when node was started with its own bundle (out/bench/<name>.bench.js).
 * `require.main === module` cannot tell: bench/run.ts bundles every bench into one file, where it is
 * true for all of them, so the started script's name decides.
 */
export function runWhenStartedDirectly(benchName: string, run: () => Promise<BenchResult>): void {
  if (!(process.argv[1] ?? '').endsWith(`${benchName}.bench.js`)) return;
  run().then(printBenchResult, (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
