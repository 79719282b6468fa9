/**
 * The dashboard's handle and timer inventory: the agent's handle report in the page's terms, and
 * the source locations the page may ask the host to open. Pure (no vscode import).
 */
import { fileURLToPath } from 'node:url';
import { ASYNC_RESOURCE_NAMES, type HandleReport } from '../../agent/agentProtocol';
import { PROTOCOL_LIMITS, PROTOCOL_VERSION, type HandleInventoryMessage, type StackFrame } from '../../webview/protocol';

/**
 * The local file a stack frame names, or null when it names none: stacks carry absolute paths
 * (CommonJS), file: URLs (ES modules), and `node:`/`internal/` frames or eval code, which are not
 * files a user can open.
 */
export function sourcePathOf(file: string): string | null {
  if (file.includes('\0')) return null;
  if (file.startsWith('file:')) {
    try {
      return fileURLToPath(file);
    } catch {
      return null;
    }
  }
  if (file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file)) return file;
  return null;
}

/** The page's inventory message for an agent's handle report, within the protocol's limits. */
export function inventoryMessageOf(processKey: string, report: HandleReport, trackedFromStart: boolean, takenAt: number): HandleInventoryMessage {
  const items = report.handles.slice(0, PROTOCOL_LIMITS.inventoryItems).map((handle) => ({
    // The names process.getActiveResourcesInfo() uses, as the untracked counts and the Active handles chart do.
    type: (ASYNC_RESOURCE_NAMES[handle.type] ?? handle.type).slice(0, 200),
    ref: handle.hasRef,
    count: handle.count,
    delayMs: handle.timerDelayMs ?? null,
    repeats: handle.timerRepeats ?? null,
    stack: handle.stack.slice(0, PROTOCOL_LIMITS.stackFrames).map(
      (frame): StackFrame => ({
        functionName: frame.functionName.slice(0, 500),
        path: sourcePathOf(frame.file),
        // V8's lines and columns are 1-based; 0 means unknown.
        line: frame.line >= 1 ? frame.line : null,
        column: frame.column >= 1 ? frame.column : null,
      }),
    ),
  }));
  const untracked = Object.fromEntries(Object.entries(report.untracked).slice(0, PROTOCOL_LIMITS.seriesKeys));
  return {
    v: PROTOCOL_VERSION,
    type: 'handleInventory',
    processKey,
    takenAt,
    trackedFromStart,
    items,
    untracked,
    note: report.note.slice(0, 1000),
    truncated: report.truncated || report.handles.length > items.length,
  };
}

/** Source files listed in the inventories a page was sent, most recent last. */
export class OpenableLocations {
  private readonly paths = new Set<string>();

  constructor(private readonly limit = 4 * PROTOCOL_LIMITS.inventoryItems) {}

  /** Remembers every file path of an inventory's frames. */
  addInventory(message: Pick<HandleInventoryMessage, 'items'>): void {
    for (const item of message.items) {
      for (const frame of item.stack) {
        if (frame.path === null) continue;
        this.paths.delete(frame.path);
        this.paths.add(frame.path);
      }
    }
    for (const path of this.paths) {
      if (this.paths.size <= this.limit) break;
      this.paths.delete(path);
    }
  }

  /**
   * Whether the page may ask to open this path: only files the host itself listed, so a scripted
   * page cannot make the host open arbitrary files.
   */
  allows(path: string): boolean {
    return this.paths.has(path);
  }
}
