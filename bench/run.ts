/**
 * Runs every benchmark module in turn and prints its figures (`npm run bench`). Benchmarks print
 * ratios against a baseline measured in the same run; nothing here gates CI.
 */
import * as dashboardRender from './dashboardRender.bench';
import * as diagnosis from './diagnosis.bench';
import * as agentOverhead from './agentOverhead.bench';
import * as leakQuality from './leakQuality.bench';
import * as processSampling from './processSampling.bench';
import { printBenchResult, type BenchResult } from './benchResult';

/** A benchmark module: bench/<name>.bench.ts exporting run(). */
interface BenchModule {
  run(): Promise<BenchResult>;
}

const BENCHES: ReadonlyArray<[name: string, module: BenchModule]> = [
  ['processSampling', processSampling],
  ['dashboardRender', dashboardRender],
  ['agentOverhead', agentOverhead],
  ['diagnosis', diagnosis],
  ['leakQuality', leakQuality],
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  let failed = false;
  for (const [name, module] of BENCHES) {
    if (only.length > 0 && !only.includes(name)) continue;
    console.log(`# ${name}`);
    try {
      printBenchResult(await module.run());
    } catch (error) {
      failed = true;
      console.error(`${name} failed:`, error);
    }
    console.log('');
  }
  if (failed) process.exitCode = 1;
}

void main();
