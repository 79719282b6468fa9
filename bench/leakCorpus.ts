/**
 * The labelled leak corpus (test/fixtures/leaks/corpus.json and its traces) and the held-out set
 * (heldout.json), shared by the recording script, the quality benchmark and the unit tests that pin
 * verdicts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseRecording, type Recording } from '../src/monitor/recording/recordingFormat';

/** test/fixtures/leaks (from out/bench or out/test/unit/leaks, both two or three levels below the root). */
export const CORPUS_DIR = findCorpusDir();

/** One labelled program of the corpus. */
export interface CorpusEntry {
  readonly name: string;
  readonly program: string;
  readonly interpreter?: 'python3';
  /** Ground truth: does the program leak? */
  readonly leak: boolean;
  /** When the leak starts, seconds from the recording's t = 0. */
  readonly onsetSeconds?: number;
  /** Verdict kinds that show the leak. */
  readonly expectedKinds?: readonly string[];
  readonly approxRateBytesPerSecond?: number;
  readonly approxHandlesPerSecond?: number;
  readonly what: string;
}

/** The manifest of the corpus the detector is developed on. */
export const CORPUS_MANIFEST = 'corpus.json';
/** The manifest of the held-out traces: recorded like the corpus, never used to choose the detector's parameters. */
export const HELD_OUT_MANIFEST = 'heldout.json';

/** A manifest's entries (by default the corpus's); its traces live in the same traces/ folder. */
export function loadCorpus(manifest = CORPUS_MANIFEST): CorpusEntry[] {
  const parsed = JSON.parse(readFileSync(join(CORPUS_DIR, manifest), 'utf8')) as { traces: CorpusEntry[] };
  return parsed.traces;
}

/** The recorded trace of an entry (.ndjson or .ndjson.gz). */
export function loadTrace(entry: CorpusEntry): Recording {
  const plain = join(CORPUS_DIR, 'traces', `${entry.name}.ndjson`);
  if (existsSync(plain)) return parseRecording(readFileSync(plain, 'utf8'));
  return parseRecording(gunzipSync(readFileSync(`${plain}.gz`)).toString('utf8'));
}

function findCorpusDir(): string {
  for (const up of ['..', '../..', '../../..', '../../../..']) {
    const dir = join(__dirname, up, 'test/fixtures/leaks');
    if (existsSync(join(dir, 'corpus.json'))) return dir;
  }
  return join(__dirname, '../../test/fixtures/leaks');
}
