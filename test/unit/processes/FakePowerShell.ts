/** A stand-in for powershell.exe reading `-Command -` statements: answers each with a payload and the sentinel. */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import type { PowerShellProcess } from '../../../src/monitor/processes/PowerShellSession';

/** One fake helper process per start(); counts starts and kills. */
export class FakePowerShell {
  started = 0;
  killed = 0;
  /** Statements received, preamble included. */
  readonly statements: string[] = [];
  current: (EventEmitter & PowerShellProcess & { stdin: PassThrough; stdout: PassThrough; stderr: PassThrough }) | undefined;
  /** When false, requests are swallowed (to test timeouts). */
  answering = true;

  constructor(private readonly answer: (statement: string) => string, private readonly chunkSize = 7) {}

  start(): PowerShellProcess {
    this.started++;
    const emitter = new EventEmitter() as EventEmitter & PowerShellProcess & { stdin: PassThrough; stdout: PassThrough; stderr: PassThrough };
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    Object.assign(emitter, {
      stdin,
      stdout,
      stderr: new PassThrough(),
      kill: () => {
        this.killed++;
        setImmediate(() => emitter.emit('exit', null, 'SIGTERM'));
        return true;
      },
    });
    createInterface({ input: stdin }).on('line', (line) => {
      this.statements.push(line);
      const sentinel = /; '(__PROCESS_VITALS_END_\d+__)'$/.exec(line)?.[1];
      if (sentinel === undefined || !this.answering) return;
      // Split the answer into small chunks so the framing must join them, sentinel included.
      const text = `${this.answer(line)}\r\n${sentinel}\r\n`;
      for (let i = 0; i < text.length; i += this.chunkSize) stdout.write(text.slice(i, i + this.chunkSize));
    });
    this.current = emitter;
    return emitter;
  }

  /** The helper dies on its own. */
  crash(): void {
    this.current?.emit('exit', 1, null);
  }
}
