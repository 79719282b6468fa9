import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads test/fixtures/recorded/<name> from the repo (tests run from out/test/unit/processes). */
export function readRecordedFixture(name: string): string {
  return readFileSync(join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'recorded', name), 'utf8');
}
