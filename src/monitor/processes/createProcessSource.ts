import { existsSync } from 'node:fs';
import { LinuxProcessSource, type LinuxProcessSourceOptions } from './LinuxProcessSource';
import { MacProcessSource, type MacProcessSourceOptions } from './MacProcessSource';
import { PidusageProcessSource, type PidusageProcessSourceOptions } from './PidusageProcessSource';
import type { ProcessSource } from './ProcessSource';
import { WindowsProcessSource, type WindowsProcessSourceOptions } from './WindowsProcessSource';

/** Options for whichever source the platform gets; each source reads the fields it knows. */
export type ProcessSourceOptions = LinuxProcessSourceOptions & MacProcessSourceOptions & WindowsProcessSourceOptions & PidusageProcessSourceOptions;

/**
 * The process source for a platform. Linux kernels built without CONFIG_PROC_CHILDREN (no
 * `children` files, e.g. WSL1) get the ps + pidusage fallback.
 */
export function createProcessSource(platform: NodeJS.Platform = process.platform, options: ProcessSourceOptions = {}): ProcessSource {
  switch (platform) {
    case 'linux': {
      const procRoot = options.procRoot ?? '/proc';
      if (options.fs !== undefined || existsSync(`${procRoot}/self/task/${process.pid}/children`)) return new LinuxProcessSource(options);
      return new PidusageProcessSource(options);
    }
    case 'darwin':
      return new MacProcessSource(options);
    case 'win32':
      return new WindowsProcessSource(options);
    default:
      return new PidusageProcessSource(options);
  }
}
