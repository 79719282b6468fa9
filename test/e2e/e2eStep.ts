/** What the end-to-end step files share: the run state they read, the step shape, and where screenshots go. */
import * as path from 'node:path';
import type { ScratchDir } from '../harness/ScratchDir';
import type { WorkbenchBrowser } from '../harness/WorkbenchBrowser';
import { repoRoot } from '../harness/vscodeServerScript';
import type { WorkbenchDriver } from './WorkbenchDriver';

/** The part of runE2E.ts's state that steps kept in their own files need. */
export interface E2EStepState {
  scratch?: ScratchDir;
  browser?: WorkbenchBrowser;
  driver?: WorkbenchDriver;
}

/** One user-visible behaviour the run checks. Steps run in order; the first failure stops the run. */
export interface E2EStep<State extends E2EStepState = E2EStepState> {
  readonly title: string;
  run(state: State): Promise<void>;
}

export const screenshotsDir = path.join(repoRoot, 'test-results', 'screenshots');

/** A value an earlier step provides; its absence means that step failed. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not available (an earlier step failed)`);
  return value;
}
