/**
 * Chart colours, read from the workbench theme's `--vscode-*` variables (the page never hard-codes
 * a colour), and re-read when the theme changes: VS Code swaps the body's `vscode-light`,
 * `vscode-dark`, `vscode-high-contrast` classes and the variables with them.
 */

/** The colours the charts draw with. */
export interface ChartTheme {
  readonly foreground: string;
  readonly mutedForeground: string;
  readonly grid: string;
  readonly background: string;
  readonly tooltipBackground: string;
  readonly tooltipForeground: string;
  readonly tooltipBorder: string;
  /** Line colours, one per process (or per series when one process is focused). */
  readonly palette: readonly string[];
  readonly markers: { readonly alert: string; readonly leakOnset: string; readonly majorGc: string };
  /** High-contrast themes get thicker lines and no translucent fills. */
  readonly highContrast: boolean;
}

/** The theme variables behind the palette, in the order lines are coloured. */
const PALETTE_VARIABLES = [
  '--vscode-charts-blue',
  '--vscode-charts-orange',
  '--vscode-charts-green',
  '--vscode-charts-purple',
  '--vscode-charts-yellow',
  '--vscode-charts-red',
  '--vscode-terminal-ansiCyan',
  '--vscode-terminal-ansiMagenta',
  '--vscode-terminal-ansiBrightBlue',
  '--vscode-terminal-ansiBrightGreen',
];

/** Reads the current theme's chart colours from the page's computed styles. */
export function readChartTheme(element: Element = document.documentElement): ChartTheme {
  const style = getComputedStyle(element);
  const read = (name: string, ...fallbacks: string[]): string => {
    for (const variable of [name, ...fallbacks]) {
      const value = style.getPropertyValue(variable).trim();
      if (value) return value;
    }
    // Only reached outside VS Code (a variable-less page): currentColor keeps lines visible.
    return 'currentColor';
  };
  const foreground = read('--vscode-foreground', '--vscode-editor-foreground');
  const palette = PALETTE_VARIABLES.map((v) => read(v, '--vscode-foreground'));
  return {
    foreground,
    mutedForeground: read('--vscode-descriptionForeground', '--vscode-foreground'),
    grid: read('--vscode-editorWidget-border', '--vscode-panel-border', '--vscode-widget-border', '--vscode-contrastBorder'),
    background: read('--vscode-editor-background', '--vscode-sideBar-background'),
    tooltipBackground: read('--vscode-editorHoverWidget-background', '--vscode-editor-background'),
    tooltipForeground: read('--vscode-editorHoverWidget-foreground', '--vscode-foreground'),
    tooltipBorder: read('--vscode-editorHoverWidget-border', '--vscode-contrastBorder', '--vscode-foreground'),
    palette,
    markers: {
      alert: read('--vscode-charts-red', '--vscode-errorForeground'),
      leakOnset: read('--vscode-charts-orange', '--vscode-editorWarning-foreground'),
      majorGc: read('--vscode-charts-purple', '--vscode-descriptionForeground'),
    },
    highContrast: document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light'),
  };
}

/** Calls onChange whenever the workbench switches theme; returns the stop function. */
export function observeThemeChanges(onChange: () => void): () => void {
  const themeKey = () => `${document.body.className}|${document.body.dataset.vscodeThemeId ?? ''}`;
  let last = themeKey();
  const observer = new MutationObserver(() => {
    if (themeKey() === last) return;
    last = themeKey();
    onChange();
  });
  // Two themes of one kind share the body class: their ids differ.
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-id'] });
  return () => observer.disconnect();
}
