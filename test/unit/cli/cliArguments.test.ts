import { strict as assert } from 'node:assert';
import { CliUsageError, parseCliArguments } from '../../../src/cli/cliArguments';

describe('parseCliArguments', () => {
  const valid: Array<[string[], object]> = [
    [[], { kind: 'help' }],
    [['--help'], { kind: 'help' }],
    [['watch', '-h'], { kind: 'help' }],
    [['--version'], { kind: 'version' }],
    [['watch', '--pid', '42'], { kind: 'watch', pid: 42, command: undefined, intervalMs: 1000, durationSeconds: 0 }],
    [['watch', '--interval', '500', '--duration', '10', '--', 'node', 'app.js', '--help'], { kind: 'watch', pid: undefined, command: ['node', 'app.js', '--help'], intervalMs: 500, durationSeconds: 10 }],
    [['watch', '--record', 'out.ndjson', '--no-agent', '--', 'node', 'app.js'], { kind: 'watch', pid: undefined, command: ['node', 'app.js'], intervalMs: 1000, durationSeconds: 0, record: 'out.ndjson', noAgent: true }],
    [['analyze', 'trace.ndjson'], { kind: 'analyze', recording: 'trace.ndjson', json: false }],
    [['analyze', '--json', 'trace.ndjson.gz'], { kind: 'analyze', recording: 'trace.ndjson.gz', json: true }],
  ];
  for (const [argv, expected] of valid) {
    it(`parses ${JSON.stringify(argv)}`, () => assert.deepEqual(parseCliArguments(argv), expected));
  }

  const invalid: Array<[string[], RegExp]> = [
    [['frobnicate'], /unknown command "frobnicate"/],
    [['watch'], /needs either --pid/],
    [['watch', '--pid', '1', '--', 'node'], /needs either --pid/],
    [['watch', '--pid', 'abc'], /positive whole number, not "abc"/],
    [['watch', '--pid', '-3'], /positive whole number/],
    [['watch', '--pid'], /--pid needs a value/],
    [['watch', '--interval', '10', '--pid', '1'], /between 250 and 60000/],
    [['watch', '--'], /nothing to run/],
    [['watch', '--verbose'], /unknown option "--verbose"/],
    [['watch', '--record'], /--record needs a value/],
    [['analyze'], /analyze needs a recording file/],
    [['analyze', 'a.ndjson', 'b.ndjson'], /analyze takes one recording/],
    [['analyze', 'a.ndjson', '--csv'], /unknown option "--csv"/],
  ];
  for (const [argv, message] of invalid) {
    it(`rejects ${JSON.stringify(argv)} with a clear message`, () => {
      assert.throws(() => parseCliArguments(argv), (e: unknown) => e instanceof CliUsageError && message.test(e.message));
    });
  }
});
