import { closeSync, openSync, writeSync } from 'node:fs';
import type { Disposable, Event } from '../events';
import type { SampleBatch, WatchedProcess } from '../Monitor';
import { formatSampleLine, recordingHeaderOf, vitalsOfProcess } from './recordingFormat';

/** The part of a Monitor a Recorder reads. */
export interface RecordableMonitor {
  readonly onDidSample: Event<SampleBatch>;
  readonly interval: number;
  get(pid: number): WatchedProcess | undefined;
}

/** Options of a Recorder. */
export interface RecorderOptions {
  /** The process to record (the live one with this PID; a later process reusing the PID is not followed). */
  readonly pid: number;
  /** Receives each line including its '\n' (a file by default: see Recorder.toFile). */
  readonly write: (line: string) => void;
  /** Called once when recording ends (dispose or the process is gone). */
  readonly close?: () => void;
  readonly recorder?: string;
  readonly recorderVersion?: string;
  readonly origin?: string;
}

/**
 * Writes what the monitor observes of one process as an NDJSON recording
 * (docs/recording-format.md): the header at the first sample, then one sample line per tick with
 * the OS figures and, when its Node agent reported recently, the agent's.
 */
export class Recorder implements Disposable {
  private readonly subscription: Disposable;
  private startTime: number | undefined;
  private processKey: string | undefined;
  private closed = false;
  private lines = 0;

  constructor(private readonly monitor: RecordableMonitor, private readonly options: RecorderOptions) {
    this.subscription = monitor.onDidSample((batch) => this.onSample(batch));
  }

  /** A Recorder that writes to a file (created or truncated), closed on dispose. */
  static toFile(monitor: RecordableMonitor, path: string, options: Omit<RecorderOptions, 'write' | 'close'>): Recorder {
    const fd = openSync(path, 'w');
    return new Recorder(monitor, { ...options, write: (line) => writeSync(fd, line), close: () => closeSync(fd) });
  }

  /** Sample lines written so far. */
  get samplesWritten(): number {
    return Math.max(0, this.lines - 1);
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.subscription.dispose();
    this.options.close?.();
  }

  private onSample(batch: SampleBatch): void {
    if (this.closed) return;
    const sample = batch.samples.find((s) => s.pid === this.options.pid);
    const watched = this.monitor.get(this.options.pid);
    if (!sample || !watched) return;
    if (this.processKey === undefined) this.processKey = watched.key;
    else if (watched.key !== this.processKey) return; // the PID now belongs to another process
    if (this.startTime === undefined) {
      this.startTime = sample.time;
      const header = recordingHeaderOf(watched, sample.time, {
        intervalMs: this.monitor.interval,
        recorder: this.options.recorder ?? 'process-vitals',
        recorderVersion: this.options.recorderVersion ?? 'dev',
        origin: this.options.origin,
      });
      this.emit(JSON.stringify(header));
    }
    this.emit(formatSampleLine((sample.time - this.startTime) / 1000, vitalsOfProcess(sample, watched.agent, this.monitor.interval)));
  }

  private emit(line: string): void {
    this.options.write(`${line}\n`);
    this.lines++;
  }
}
