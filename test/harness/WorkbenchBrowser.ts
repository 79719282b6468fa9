/**
 * Headless Debian Chromium (through playwright-core) showing a VS Code workbench served over HTTP.
 */
import { appendFileSync } from 'node:fs';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { formatWorkbenchConsole } from './extensionHostConsole';

/** The values a console message was called with (strings for what cannot be serialized). */
async function consoleArgs(message: ConsoleMessage): Promise<unknown[]> {
  return Promise.all(
    message.args().map(async (handle) => {
      try {
        return await handle.jsonValue();
      } catch {
        return handle.toString();
      }
    }),
  );
}

/** Options for {@link WorkbenchBrowser.launch}. */
export interface WorkbenchBrowserOptions {
  executablePath: string;
  args: readonly string[];
  /** A new, empty profile folder. */
  userDataDir: string;
  /** Every browser console line goes here. */
  logFile: string;
  /** Called, in order, with each console message: its workbench log level ('' if none) and its formatted text. */
  onConsole?: (level: string, text: string) => void;
  viewport?: { width: number; height: number };
}

/** One headless Chromium with one workbench page. */
export class WorkbenchBrowser {
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  static async launch(options: WorkbenchBrowserOptions): Promise<WorkbenchBrowser> {
    const context = await chromium.launchPersistentContext(options.userDataDir, {
      executablePath: options.executablePath,
      args: [...options.args],
      headless: true,
      viewport: options.viewport ?? { width: 1400, height: 900 },
      deviceScaleFactor: 1,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const browser = new WorkbenchBrowser(context, page);
    // Formatting needs the arguments' values (asynchronous): a chain keeps the lines in order.
    page.on('console', (message) => {
      browser.consoleLines = browser.consoleLines.then(async () => {
        const { level, text } = formatWorkbenchConsole(await consoleArgs(message));
        appendFileSync(options.logFile, `[${level || message.type()}] ${text}\n`);
        options.onConsole?.(level, text);
      }).catch(() => undefined); // the page closed while formatting: the line is lost, not the chain
    });
    page.on('pageerror', (error) => appendFileSync(options.logFile, `[pageerror] ${error.stack ?? error.message}\n`));
    return browser;
  }

  private consoleLines = Promise.resolve();

  /** Resolves once every console message received so far has been handed to onConsole. */
  flushConsole(): Promise<void> {
    return this.consoleLines;
  }

  /** Closes the browser; never throws (it may be gone already). */
  async close(): Promise<void> {
    try {
      await this.context.close();
    } catch {
      // already closed or crashed
    }
  }
}
