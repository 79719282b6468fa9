/**
 * Several `process-vitals watch --record` sessions at once on a loaded machine, round after round,
 * counting the recordings without any agent data (OS samples only). It reproduces the report of one
 * session in four without agent data at load ~7 on a 2-core machine; a tool, not a benchmark (not
 * part of `npm run bench`).
 *
 *   node scripts/build.mjs && node out/bench/watchUnderLoad.js [--rounds 5] [--sessions 4] [--hogs 4]
 *     [--duration 10] [--nice-program 0] [--nice-cli 0] [--programs steady-leak,idle-server,...] [--keep]
 *
 * --hogs starts that many busy loops for the whole run; --nice-program / --nice-cli lower the
 * priority of the watched programs (agent side) or of the CLIs and their programs (receiving side).
 * Programs are the leak corpus's (test/fixtures/leaks/programs). Everything started is killed at
 * the end or on Ctrl-C; recordings go to a temporary directory, removed unless --keep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');
const PROGRAMS = join(ROOT, 'test/fixtures/leaks/programs');

interface SessionResult {
  readonly name: string;
  readonly exitCode: number | null;
  readonly samples: number;
  readonly agentSamples: number;
  /** Index of the first sample with agent data, -1 when none has any. */
  readonly firstAgentSample: number;
  /** The CLI's own warnings (its stderr lines that start with "process-vitals:"). */
  readonly warnings: string[];
}

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i === -1 || args[i + 1] === undefined ? fallback : args[i + 1];
}

/** Environment without any agent injection of our own caller (e.g. a Process Vitals terminal). */
function cleanEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key === 'NODE_OPTIONS' || key.startsWith('PROCESS_VITALS')) delete env[key];
  return env;
}

function readRecording(path: string): Pick<SessionResult, 'samples' | 'agentSamples' | 'firstAgentSample'> {
  let samples = 0;
  let agentSamples = 0;
  let firstAgentSample = -1;
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // No recording at all: counted as no samples.
  }
  for (const line of text.split('\n')) {
    if (!line) continue;
    const record = JSON.parse(line) as { type?: string; heapUsedBytes?: number };
    if (record.type !== 'sample') continue;
    if (record.heapUsedBytes !== undefined) {
      if (firstAgentSample === -1) firstAgentSample = samples;
      agentSamples++;
    }
    samples++;
  }
  return { samples, agentSamples, firstAgentSample };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const rounds = Number(option(args, '--rounds', '5'));
  const sessions = Number(option(args, '--sessions', '4'));
  const hogs = Number(option(args, '--hogs', '4'));
  const duration = Number(option(args, '--duration', '10'));
  const niceProgram = Number(option(args, '--nice-program', '0'));
  const niceCli = Number(option(args, '--nice-cli', '0'));
  const programs = option(args, '--programs', 'steady-leak,idle-server,busy-server,cpu-bound,bursty-alloc,large-stable-heap').split(',');
  const keep = args.includes('--keep');
  const out = mkdtempSync(join(tmpdir(), 'pv-watch-under-load-'));
  const env = cleanEnvironment();
  const started: ChildProcess[] = [];
  // Each child leads its own process group, so the CLI's program goes with it.
  const killAll = () => {
    for (const child of started) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }

  for (let i = 0; i < hogs; i++) started.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { env, stdio: 'ignore', detached: true }));

  const session = (round: number, index: number): Promise<SessionResult> => {
    const program = programs[(round * sessions + index) % programs.length];
    const name = `r${round}-s${index}-${program}`;
    const command = [...(niceProgram ? ['nice', '-n', String(niceProgram)] : []), process.execPath, join(PROGRAMS, `${program}.js`)];
    const cli = [CLI, 'watch', '--record', join(out, `${name}.ndjson`), '--duration', String(duration), '--', ...command];
    const [file, fileArgs] = niceCli ? ['nice', ['-n', String(niceCli), process.execPath, ...cli]] : [process.execPath, cli];
    const stderrPath = join(out, `${name}.stderr`);
    const stderr = openSync(stderrPath, 'w');
    const child = spawn(file, fileArgs, { cwd: PROGRAMS, env, stdio: ['ignore', 'ignore', stderr], detached: true });
    started.push(child);
    return new Promise((resolve) => {
      child.once('exit', (exitCode) => {
        closeSync(stderr);
        const warnings = readFileSync(stderrPath, 'utf8').split('\n').filter((l) => l.startsWith('process-vitals:'));
        resolve({ name, exitCode, warnings, ...readRecording(join(out, `${name}.ndjson`)) });
      });
    });
  };

  const results: SessionResult[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const batch = await Promise.all(Array.from({ length: sessions }, (_, i) => session(round, i)));
      results.push(...batch);
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      const line = batch.map((r) => `${r.name.replace(/^r\d+-s\d+-/, '')} ${r.agentSamples}/${r.samples}${r.firstAgentSample > 0 ? ` (first at ${r.firstAgentSample})` : ''}`);
      console.log(`round ${round} (load ${load}): ${line.join(', ')}`);
      for (const r of batch) {
        if (r.agentSamples === 0) console.log(`  NO AGENT DATA: ${r.name}, exit ${r.exitCode}, warnings ${JSON.stringify(r.warnings)}`);
        else if (r.warnings.length) console.log(`  warnings of ${r.name}: ${JSON.stringify(r.warnings)}`);
      }
    }
  } finally {
    killAll();
  }
  const without = results.filter((r) => r.agentSamples === 0).length;
  const late = results.filter((r) => r.firstAgentSample > 1).length;
  console.log(`${results.length} sessions: ${without} without agent data, ${late} with the first agent sample after the second sample`);
  if (keep) console.log(`recordings and stderr in ${out}`);
  else rmSync(out, { recursive: true, force: true });
}

void main();
