/**
 * Drives a VS Code workbench page the way a user does (keyboard, command palette, clicks), in the
 * manner of VS Code's own smoke tests. Every wait has a generous hang guard so that a stuck step
 * fails with its name instead of silently using up the whole run's time limit.
 */
import type { Locator, Page } from 'playwright-core';

/** Hang guard for one UI step (not a performance expectation). PV_E2E_STEP_LIMIT_MS overrides. */
const STEP_LIMIT_MS = Number(process.env.PV_E2E_STEP_LIMIT_MS ?? 120_000);
/** How long the command palette may take to list a command before it is opened again. */
const PALETTE_REOPEN_MS = 5000;

/** Workbench DOM hooks. VS Code's own smoke tests rely on the same ids and classes. */
export const selectors = {
  workbench: '.monaco-workbench',
  quickInput: '.quick-input-widget',
  quickInputBox: '.quick-input-widget .quick-input-box input',
  /** Every row of the open quick input's list. */
  quickInputRows: '.quick-input-widget .quick-input-list .monaco-list-row',
  /**
   * A quick input row whose label is exactly this text (fuzzy matching may rank another row first).
   * The row's aria-label is the label, followed by ", <keybinding>" or ", <description>" when it has one.
   */
  quickInputRow: (label: string) => {
    const row = '.quick-input-widget .quick-input-list .monaco-list-row';
    return `${row}[aria-label=${JSON.stringify(label)}], ${row}[aria-label^=${JSON.stringify(`${label}, `)}]`;
  },
  /**
   * The shown terminal's text, rendered by xterm's DOM renderer (needs terminal.integrated.gpuAcceleration: off).
   * Hidden terminals keep their DOM: only the active wrapper is the one on screen.
   */
  terminalRows: '.terminal-wrapper.active .xterm-rows',
  terminalInput: '.terminal-wrapper.active .xterm-helper-textarea',
  sidebar: '[id="workbench.parts.sidebar"]',
  statusbar: '[id="workbench.parts.statusbar"]',
  /** A view's pane in a side bar container, found by the view's name (its header reads "<name> Section"). */
  viewPane: (viewName: string) => `.pane:has(> .pane-header[aria-label="${viewName} Section"])`,
  /** Rows of a tree view (tree items); the tree's aria-label is the view's name. */
  treeRows: (viewName: string) => `[role="tree"][aria-label="${viewName}"] .monaco-list-row`,
  /** A status bar entry: its element id is `<extension id>.<item id>`. */
  statusbarItem: (entryId: string) => `[id="${entryId}"]`,
  /** Entries of the open context menu (filter by label with a locator). */
  contextMenuItems: '.context-view .monaco-menu .action-menu-item',
  /** Editor tabs, and the active one. */
  editorTabs: '.tabs-container .tab',
  activeEditorTab: '.tabs-container .tab.active',
  /** Buttons of notification toasts (filter by label with a locator). */
  notificationButtons: '.notifications-toasts .monaco-button',
  /** The editor's cursor position entry of the status bar ("Ln 10, Col 19"). */
  cursorPosition: '[id="workbench.parts.statusbar"] [id="status.editor.selection"]',
  /** The modal dialog and one of its buttons, by label. */
  dialog: '.monaco-dialog-box',
  dialogButton: (label: string) => `.monaco-dialog-box .dialog-buttons a.monaco-button:text-is("${label}")`,
} as const;

/** Page-level actions on the workbench. */
export class WorkbenchDriver {
  constructor(readonly page: Page) {}

  /** Waits for a locator to be visible, naming the step when the hang guard trips. */
  async waitVisible(locator: Locator, step: string): Promise<Locator> {
    try {
      await locator.first().waitFor({ state: 'visible', timeout: STEP_LIMIT_MS });
    } catch (error) {
      throw new Error(`${step}: not visible after ${STEP_LIMIT_MS / 1000} s (${(error as Error).message.split('\n')[0]})`, { cause: error });
    }
    return locator.first();
  }

  /** Waits until the workbench has rendered and the extension host is up. */
  async ready(): Promise<void> {
    await this.waitVisible(this.page.locator(selectors.workbench), 'workbench loads');
    await this.waitVisible(this.page.locator(selectors.statusbar), 'status bar renders');
  }

  /** Runs a command by its title through the command palette (F1), as a user would. */
  async runCommand(title: string): Promise<void> {
    await this.chooseCommand(title);
    await this.page.locator(selectors.quickInput).waitFor({ state: 'hidden', timeout: STEP_LIMIT_MS });
  }

  /** Opens the command palette and clicks the command with exactly this title. */
  private async chooseCommand(title: string): Promise<void> {
    const row = this.page.locator(selectors.quickInputRow(title)).first();
    // The palette lists the commands registered when its filter was typed: a command registered
    // later (the terminal's, while the workbench still restores; seen once in CI) shows only when
    // the palette is opened again, so it is reopened every PALETTE_REOPEN_MS until the row shows.
    let openedAt = Number.NEGATIVE_INFINITY;
    await this.waitFor(async () => {
      if (await row.isVisible()) return true;
      if (Date.now() - openedAt >= PALETTE_REOPEN_MS) {
        await this.page.keyboard.press('Escape');
        await this.page.keyboard.press('F1');
        const input = await this.waitVisible(this.page.locator(selectors.quickInputBox), `command palette opens for "${title}"`);
        await input.fill(`>${title}`);
        openedAt = Date.now();
      }
      return false;
    }, `command palette offers "${title}"`);
    await row.click();
  }

  /** Picks an entry of the quick input that is open (after a command that asks), by typing its label. */
  async pickQuickInput(label: string, step: string): Promise<void> {
    const input = await this.waitVisible(this.page.locator(selectors.quickInputBox), `${step}: the picker opens`);
    // Some pickers are a quick access prefix ("debug "): typing replaces the value, so keep it.
    await input.fill(`${await input.inputValue()}${label}`);
    const row = await this.waitVisible(this.page.locator(selectors.quickInputRow(label)), `${step}: the picker offers "${label}"`);
    await row.click();
    await this.page.locator(selectors.quickInput).waitFor({ state: 'hidden', timeout: STEP_LIMIT_MS });
  }

  /** Runs a command that opens a picker, then picks an entry by its label. */
  async runCommandAndPick(title: string, label: string): Promise<void> {
    await this.chooseCommand(title);
    // The same widget is reused for the command's own picker: wait until it shows the new list.
    await this.waitFor(async () => !((await this.page.locator(selectors.quickInputBox).inputValue()).startsWith('>')), `"${title}" opens its picker`);
    await this.pickQuickInput(label, title);
  }

  /**
   * Runs a command that opens a picker, types `filter` into it (pickers may match on descriptions
   * and details, not only labels) and picks the first row whose text contains it; logs what the
   * picker offered before filtering.
   */
  async runCommandAndPickMatching(title: string, filter: string): Promise<void> {
    await this.chooseCommand(title);
    const input = this.page.locator(selectors.quickInputBox);
    await this.waitFor(async () => !(await input.inputValue()).startsWith('>'), `"${title}" opens its picker`);
    const rows = this.page.locator(selectors.quickInputRows);
    await this.waitVisible(rows, `"${title}" lists its choices`);
    console.log(`[e2e] "${title}" offers: ${(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))).join(' | ')}`);
    await input.fill(filter);
    await (await this.waitVisible(rows.filter({ hasText: filter }), `"${title}" offers ${filter}`)).click();
  }

  /** Opens a new integrated terminal and types a command line into it. */
  async runInNewTerminal(commandLine: string): Promise<void> {
    await this.runCommand('Terminal: Create New Terminal');
    const rows = await this.waitVisible(this.page.locator(selectors.terminalRows), 'terminal renders');
    // Wait for the shell's prompt so the keystrokes are not raced by the shell's start-up.
    await this.waitFor(async () => /[$#>]\s*$/m.test(await rows.innerText()), 'shell prompt appears');
    await this.page.locator(selectors.terminalInput).first().focus();
    await this.page.keyboard.type(commandLine);
    await this.page.keyboard.press('Enter');
  }

  /** Waits for a row of a tree view with this text, expanding collapsed rows (a child may sit below one). */
  async waitForTreeRow(viewName: string, text: string | RegExp, step: string): Promise<Locator> {
    const rows = this.page.locator(selectors.treeRows(viewName));
    const row = rows.filter({ hasText: text });
    await this.waitFor(async () => {
      if (await row.count()) return true;
      for (const collapsed of await rows.and(this.page.locator('[aria-expanded="false"]')).all()) await collapsed.click();
      return false;
    }, step);
    return row.first();
  }

  /** Polls `condition` until it is true (hang guard: STEP_LIMIT_MS). */
  async waitFor(condition: () => Promise<boolean>, step: string): Promise<void> {
    const deadline = Date.now() + STEP_LIMIT_MS;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`${step}: not true after ${STEP_LIMIT_MS / 1000} s`);
      await this.page.waitForTimeout(250);
    }
  }
}
