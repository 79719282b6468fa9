/**
 * Re-records the leak corpus (test/fixtures/leaks/corpus.json): runs each program under
 * `process-vitals watch --record` (the engine's Recorder, with the Node agent injected) for a fixed
 * duration, several at a time, and writes test/fixtures/leaks/traces/<name>.ndjson.gz (gzip keeps
 * the committed corpus near 200 KB; `process-vitals analyze` reads either form).
 *
 *   node scripts/build.mjs && node out/bench/recordLeakCorpus.js [--duration 240] [--concurrency 11] [--manifest heldout.json] [name...]
 *
 * Programs are light but share the machine: a loaded machine delays GCs and timers, which is part
 * of what the detector must tolerate. After re-recording, re-pin the verdicts in
 * test/unit/leaks/leakCorpus.test.ts (the bench prints them).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadCorpus, CORPUS_DIR, CORPUS_MANIFEST } from './leakCorpus';

const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i === -1) return fallback;
  const value = Number(args[i + 1]);
  args.splice(i, 2);
  return value;
}

function textOption(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  if (i === -1) return fallback;
  const value = args[i + 1] ?? fallback;
  args.splice(i, 2);
  return value;
}

function record(program: string, interpreter: string, out: string, durationSeconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'watch', '--record', out, '--duration', String(durationSeconds), '--', interpreter, program], {
      cwd: join(CORPUS_DIR, 'programs'),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const durationSeconds = option(args, '--duration', 240);
  const concurrency = option(args, '--concurrency', 11);
  const manifest = textOption(args, '--manifest', CORPUS_MANIFEST);
  const corpus = loadCorpus(manifest).filter((entry) => args.length === 0 || args.includes(entry.name));
  mkdirSync(join(CORPUS_DIR, 'traces'), { recursive: true });
  const queue = [...corpus];
  const worker = async () => {
    for (let entry = queue.shift(); entry; entry = queue.shift()) {
      const out = join(CORPUS_DIR, 'traces', `${entry.name}.ndjson`);
      const interpreter = entry.interpreter === 'python3' ? 'python3' : process.execPath;
      const started = Date.now();
      const code = await record(join(CORPUS_DIR, 'programs', entry.program), interpreter, out, durationSeconds);
      writeFileSync(`${out}.gz`, gzipSync(readFileSync(out), { level: 9 }));
      unlinkSync(out);
      console.log(`${entry.name}: exit ${code}, ${((Date.now() - started) / 1000).toFixed(0)} s, ${statSync(`${out}.gz`).size} bytes gzipped`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}

void main();
