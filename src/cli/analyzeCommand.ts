/** `process-vitals analyze`: replays a recording through the engine's leak detector. */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { analyzeRecording } from '../monitor/leaks/analyzeRecording';
import type { LeakVerdict } from '../monitor/leaks/LeakVerdict';
import { parseRecording, RecordingFormatError } from '../monitor/recording/recordingFormat';
import type { CliInvocation } from './cliArguments';

/** Exit code when the recording shows a leak (0 when it does not; 1 when it cannot be read). */
export const LEAK_FOUND_EXIT_CODE = 3;

/** Runs `analyze` and returns the exit code; out gets the report, err the problems. */
export async function analyzeCommand(invocation: Extract<CliInvocation, { kind: 'analyze' }>, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  let text: string;
  try {
    const bytes = readFileSync(invocation.recording);
    // gzip's magic number: recordings may be stored compressed.
    text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch (error) {
    err(`process-vitals: cannot read ${invocation.recording}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  let analysis;
  try {
    analysis = analyzeRecording(parseRecording(text));
  } catch (error) {
    if (!(error instanceof RecordingFormatError)) throw error;
    err(`process-vitals: ${invocation.recording} is not a recording: ${error.message}\n`);
    return 1;
  }
  const leaked = analysis.firstLeakT !== undefined;
  if (invocation.json) {
    for (const verdict of analysis.timeline) out(`${JSON.stringify({ type: 'verdict', ...verdict })}\n`);
    out(`${JSON.stringify({ type: 'summary', leak: leaked, firstLeakT: analysis.firstLeakT ?? null, final: analysis.final })}\n`);
  } else {
    out(leaked ? `Leak found (first at t = ${analysis.firstLeakT} s).\n` : 'No leak found.\n');
    for (const v of analysis.final) out(`  ${describe(v)}\n`);
  }
  return leaked ? LEAK_FOUND_EXIT_CODE : 0;
}

function describe(v: LeakVerdict): string {
  const unit = v.kind === 'handles' ? '/s' : ' B/s';
  const rate = `${round(v.rate)}${unit} [${round(v.rateLow)}, ${round(v.rateHigh)}]`;
  return `${v.signal.padEnd(24)} ${v.state.padEnd(10)} rate ${rate}, confidence ${v.confidence.toFixed(3)}`;
}

function round(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
}
