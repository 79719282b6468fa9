/**
 * Mocha reporter: mocha's spec output on the console, plus a JSON summary file that the test
 * orchestrator (scripts/test.mjs) reads. The file is rewritten as each test starts, so that when a
 * run is killed for taking too long the summary still says which test was running.
 *
 *   mocha --reporter out/test/harness/JsonSummaryReporter.js --reporter-option output=test-results/unit.json
 *   new Mocha({ reporter: JsonSummaryReporter, reporterOptions: { output } })
 *
 * The output path comes from the `output` reporter option, else from PV_TEST_RESULTS.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/** One failed test or hook in the summary. */
interface FailureSummary {
  readonly title: string;
  readonly fullTitle: string;
  readonly file?: string;
  readonly error: string;
  readonly stack?: string;
}

/** The JSON file's shape (shared with scripts/test.mjs, which reads `passes` and `failures`). */
interface TestSummary {
  readonly passes: number;
  readonly failures: number;
  readonly pending: number;
  /** False while the run is in progress (or when it was killed). */
  readonly complete: boolean;
  /** Full title of the test running when the file was last written, if any. */
  readonly running?: string;
  readonly durationMs: number;
  readonly failed: readonly FailureSummary[];
  readonly passed: readonly string[];
}

const { EVENT_RUN_END, EVENT_TEST_BEGIN, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class JsonSummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options: Mocha.MochaOptions & { reporterOption?: Record<string, string>; reporterOptions?: Record<string, string> } = {}) {
    super(runner, options);
    const reporterOption = options.reporterOption ?? options.reporterOptions ?? {};
    const output = reporterOption.output ?? process.env.PV_TEST_RESULTS;
    const started = Date.now();
    const passed: string[] = [];
    const failed: FailureSummary[] = [];
    let pending = 0;
    const write = (complete: boolean, running?: string) => {
      if (!output) return;
      const summary: TestSummary = {
        passes: passed.length,
        failures: failed.length,
        pending,
        complete,
        ...(running ? { running } : {}),
        durationMs: Date.now() - started,
        failed,
        passed,
      };
      mkdirSync(path.dirname(output), { recursive: true });
      writeFileSync(output, JSON.stringify(summary, null, 2) + '\n');
    };
    write(false);
    runner.on(EVENT_TEST_BEGIN, (test) => write(false, test.fullTitle()));
    runner.on(EVENT_TEST_PASS, (test) => passed.push(test.fullTitle()));
    runner.on(EVENT_TEST_PENDING, () => pending++);
    runner.on(EVENT_TEST_FAIL, (test, error: Error) => {
      failed.push({
        title: test.title,
        fullTitle: test.fullTitle(),
        ...(test.file ? { file: test.file } : {}),
        error: String(error?.message ?? error),
        ...(error?.stack ? { stack: error.stack } : {}),
      });
    });
    runner.once(EVENT_RUN_END, () => write(true));
  }
}

// Mocha loads a reporter given by path with require() and uses module.exports.
export = JsonSummaryReporter;
